"""The self-contained bitstream: a small header, then CompressAI's entropy-coded strings.

Layout (integers are unsigned LEB128 varints unless stated)::

    b"OC"  version:u8  model_id:u32 (big endian)  quality:f32 (big endian)
    height width                      original (unpadded) image size
    ndim  dims[ndim]                  the ``shape`` compress() returned (latent size)
    nstrings  lengths[nstrings]       one string per CompressAI string list
    string bytes, concatenated

For a 768x512 image the header is about 20 bytes (< 0.0005 bpp), and it is
counted in the bitrate like everything else.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"OC"
VERSION = 1


class BitstreamError(ValueError):
    """The bytes are not a bitstream of this plugin (or are truncated)."""


@dataclass(frozen=True)
class Frame:
    """One image's coded data with what decoding needs besides the model."""

    model_id: int
    quality: float
    size: tuple[int, int]
    shape: tuple[int, ...]
    strings: tuple[bytes, ...]


def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError(f"cannot store negative {value}")
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = memoryview(data), 0

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise BitstreamError("truncated bitstream")
        chunk = self.data[self.pos : self.pos + count].tobytes()
        self.pos += count
        return chunk

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.take(1)[0]
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value


def pack(frame: Frame) -> bytes:
    """Serialise ``frame``."""
    parts = [MAGIC, bytes([VERSION]), struct.pack(">If", frame.model_id, frame.quality)]
    parts += [_varint(v) for v in (*frame.size, len(frame.shape), *frame.shape, len(frame.strings))]
    parts += [_varint(len(s)) for s in frame.strings]
    parts += frame.strings
    return b"".join(parts)


def unpack(data: bytes) -> Frame:
    """Parse bytes written by :func:`pack`; raises :class:`BitstreamError` on anything else."""
    reader = _Reader(data)
    if reader.take(2) != MAGIC:
        raise BitstreamError("not an oodnic-compressai bitstream (bad magic)")
    version = reader.take(1)[0]
    if version != VERSION:
        raise BitstreamError(f"bitstream version {version} is not supported (this plugin reads {VERSION})")
    model_id, quality = struct.unpack(">If", reader.take(8))
    size = (reader.varint(), reader.varint())
    shape = tuple(reader.varint() for _ in range(reader.varint()))
    lengths = [reader.varint() for _ in range(reader.varint())]
    strings = tuple(reader.take(n) for n in lengths)
    if reader.pos != len(data):
        raise BitstreamError(f"{len(data) - reader.pos} unexpected trailing bytes")
    return Frame(model_id, quality, size, shape, strings)
