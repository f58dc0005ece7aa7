"""oodnic-platform plugin: the ``vtm`` codec (VVC intra by VTM's EncoderAppStatic / DecoderAppStatic)."""

from oodnic_platform import hookimpl

from .codec import VtmCodec

__all__ = ["VtmCodec"]


@hookimpl
def register_codecs(register) -> None:
    register(VtmCodec())
