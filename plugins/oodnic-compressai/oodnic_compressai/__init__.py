"""CompressAI codecs for oodnic-platform: the zoo's pretrained models, your checkpoints, a bundled small model."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():  # compressai imports torch_geometric, which calls the deprecated torch.jit.script
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.jit")
    import compressai.models  # noqa: F401

from oodnic_platform import hookimpl

from .bitstream import BitstreamError
from .checkpoints import CheckpointError
from .codec import CompressAICodec
from .user import BundledCodec, UserCodec
from .zoo import ZooCodec, zoo_codecs

__all__ = ["BitstreamError", "BundledCodec", "CheckpointError", "CompressAICodec", "UserCodec", "ZooCodec"]


@hookimpl
def register_codecs(register) -> None:
    for codec in (*zoo_codecs(), UserCodec(), BundledCodec()):
        register(codec)


@hookimpl
def register_commands(cli) -> None:
    from .train import train_command

    cli.add_command(train_command)
