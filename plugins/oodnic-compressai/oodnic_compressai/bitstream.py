"""The self-contained bitstream: a small header, then CompressAI's entropy-coded strings.

Layout (integers are unsigned LEB128 varints unless stated)::

    b"OC"  version:u8  model_id:u32 (big endian)  quality:f32 (big endian)
    height width                      original (unpadded) image size
    shape                             the ``shape`` compress() returned (latent size)
    nstrings  lengths[nstrings]       one string per CompressAI string list
    string bytes, concatenated

Version 1 (every model with a flat latent shape) writes the shape as ``ndim
dims[ndim]``. Version 2 is for models whose ``compress()`` returns a nested
shape (ELIC: a dict of per-group shapes): a tagged tree, ``0 ndim dims`` for a
shape, ``1 n items`` for a list, ``2 n (keylen key item)*`` for a dict.

For a 768x512 image the header is about 20 bytes (< 0.0005 bpp; ELIC's, with 11
strings, 82 bytes), and it is counted in the bitrate like everything else.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"OC"
VERSION = 1
NESTED_VERSION = 2
#: a latent shape: a tuple of ints, or ("list", (Shape, ...)) / ("dict", ((key, Shape), ...)) for nested ones
Shape = tuple


class BitstreamError(ValueError):
    """The bytes are not a bitstream of this plugin (or are truncated)."""


@dataclass(frozen=True)
class Frame:
    """One image's coded data with what decoding needs besides the model."""

    model_id: int
    quality: float
    size: tuple[int, int]
    shape: Shape
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


def canonical_shape(shape: object) -> Shape:
    """A compress() ``shape`` (torch.Size, or dicts and lists of them) as a hashable :data:`Shape`."""
    if isinstance(shape, dict):
        return ("dict", tuple((str(k), canonical_shape(v)) for k, v in shape.items()))
    items = list(shape)  # type: ignore[call-overload]
    if all(isinstance(v, int) or hasattr(v, "__index__") for v in items):
        return tuple(int(v) for v in items)
    return ("list", tuple(canonical_shape(v) for v in items))


def is_nested(shape: Shape) -> bool:
    return bool(shape) and isinstance(shape[0], str)


def _pack_shape(shape: Shape) -> list[bytes]:
    if not is_nested(shape):
        return [_varint(0), _varint(len(shape)), *map(_varint, shape)]
    kind, items = shape
    if kind == "list":
        return [_varint(1), _varint(len(items))] + [b for item in items for b in _pack_shape(item)]
    out = [_varint(2), _varint(len(items))]
    for key, item in items:
        raw = key.encode()
        out += [_varint(len(raw)), raw, *_pack_shape(item)]
    return out


def pack(frame: Frame) -> bytes:
    """Serialise ``frame``."""
    nested = is_nested(frame.shape)
    parts = [MAGIC, bytes([NESTED_VERSION if nested else VERSION]), struct.pack(">If", frame.model_id, frame.quality)]
    parts += [_varint(v) for v in frame.size]
    parts += _pack_shape(frame.shape) if nested else [_varint(v) for v in (len(frame.shape), *frame.shape)]
    parts += [_varint(len(frame.strings))] + [_varint(len(s)) for s in frame.strings]
    parts += frame.strings
    return b"".join(parts)


def _read_shape(reader: _Reader, depth: int = 0) -> Shape:
    if depth > 8:
        raise BitstreamError("latent shape nested too deeply")
    tag = reader.varint()
    if tag == 0:
        return tuple(reader.varint() for _ in range(reader.varint()))
    if tag == 1:
        return ("list", tuple(_read_shape(reader, depth + 1) for _ in range(reader.varint())))
    if tag == 2:
        items = []
        for _ in range(reader.varint()):
            key = reader.take(reader.varint()).decode(errors="replace")
            items.append((key, _read_shape(reader, depth + 1)))
        return ("dict", tuple(items))
    raise BitstreamError(f"bad latent shape tag {tag}")


def unpack(data: bytes) -> Frame:
    """Parse bytes written by :func:`pack`; raises :class:`BitstreamError` on anything else."""
    reader = _Reader(data)
    if reader.take(2) != MAGIC:
        raise BitstreamError("not an oodnic-compressai bitstream (bad magic)")
    version = reader.take(1)[0]
    if version not in (VERSION, NESTED_VERSION):
        raise BitstreamError(f"bitstream version {version} is not supported (this plugin reads {VERSION} and {NESTED_VERSION})")
    model_id, quality = struct.unpack(">If", reader.take(8))
    size = (reader.varint(), reader.varint())
    if version == NESTED_VERSION:
        shape = _read_shape(reader)
    else:
        shape = tuple(reader.varint() for _ in range(reader.varint()))
    lengths = [reader.varint() for _ in range(reader.varint())]
    strings = tuple(reader.take(n) for n in lengths)
    if reader.pos != len(data):
        raise BitstreamError(f"{len(data) - reader.pos} unexpected trailing bytes")
    return Frame(model_id, quality, size, shape, strings)
