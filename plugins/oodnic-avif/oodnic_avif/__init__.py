"""oodnic-platform plugin: the ``avif`` codec (libavif through pillow-avif-plugin)."""

from oodnic_platform import hookimpl

from .codec import AvifCodec

__all__ = ["AvifCodec"]


@hookimpl
def register_codecs(register) -> None:
    register(AvifCodec())
