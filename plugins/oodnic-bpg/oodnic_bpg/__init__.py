"""oodnic-platform plugin: the ``bpg`` codec (bpgenc / bpgdec executables)."""

from oodnic_platform import hookimpl

from .codec import BpgCodec

__all__ = ["BpgCodec"]


@hookimpl
def register_codecs(register) -> None:
    register(BpgCodec())
