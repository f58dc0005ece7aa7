"""oodnic-platform plugin: the ``jpeg`` codec (libjpeg-turbo through Pillow)."""

from oodnic_platform import hookimpl

from .codec import JpegCodec

__all__ = ["JpegCodec"]


@hookimpl
def register_codecs(register) -> None:
    register(JpegCodec())
