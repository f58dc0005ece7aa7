"""oodnic-platform plugin: the ``webp`` codec (lossy libwebp through imagecodecs)."""

from oodnic_platform import hookimpl

from .codec import WebpCodec

__all__ = ["WebpCodec"]


@hookimpl
def register_codecs(register) -> None:
    register(WebpCodec())
