"""oodnic-platform plugin: the ``jpegxl`` codec (libjxl through imagecodecs)."""

from oodnic_platform import hookimpl

from .codec import JpegXlCodec

__all__ = ["JpegXlCodec"]


@hookimpl
def register_codecs(register) -> None:
    register(JpegXlCodec())
