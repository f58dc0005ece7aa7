"""CompressAI codecs for oodnic-platform: the zoo's pretrained models, your checkpoints, the bundled small models."""

from __future__ import annotations

from oodnic_platform import hookimpl

# Nothing here imports torch or compressai (seconds, with torch_geometric): the platform imports
# every plugin to build its registry. They are imported on first use (see _lazy.py).
from .bitstream import BitstreamError
from .bundled import BundledCodec, bundled_codecs
from .codec import CompressAICodec
from .errors import CheckpointError
from .user import UserCodec
from .zoo import ZooCodec, zoo_codecs

__all__ = ["BitstreamError", "BundledCodec", "CheckpointError", "CompressAICodec", "UserCodec", "ZooCodec"]


@hookimpl
def register_codecs(register) -> None:
    for codec in (*zoo_codecs(), UserCodec(), *bundled_codecs()):
        register(codec)


@hookimpl
def register_commands(cli) -> None:
    from .cli import train_command

    cli.add_command(train_command)
