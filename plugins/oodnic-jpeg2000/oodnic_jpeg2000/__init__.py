"""oodnic-platform plugin: the ``jpeg2000`` codec (OpenJPEG through Pillow)."""

from oodnic_platform import hookimpl

from .codec import Jpeg2000Codec

__all__ = ["Jpeg2000Codec"]


@hookimpl
def register_codecs(register) -> None:
    register(Jpeg2000Codec())
