"""oodnic-platform plugin: the ``hevc-intra`` codec (x265 through pillow-heif)."""

from oodnic_platform import hookimpl

from .codec import HevcIntraCodec

__all__ = ["HevcIntraCodec"]


@hookimpl
def register_codecs(register) -> None:
    register(HevcIntraCodec())
