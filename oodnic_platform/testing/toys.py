"""A toy codec for tests of the platform and of plugins that need a real but tiny codec (executors, reports)."""

from __future__ import annotations

import zlib

import numpy as np

from ..codec import Codec


def check_rgb(image: np.ndarray, name: str) -> None:
    """Raise a one-line ``ValueError`` unless ``image`` is a non-empty HxWx3 uint8 array."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 \
            or image.size == 0:
        shape, dtype = getattr(image, "shape", "?"), getattr(image, "dtype", type(image).__name__)
        raise ValueError(f"{name} codes non-empty HxWx3 uint8 images, not {dtype} {shape}")


class QuantCodec(Codec):
    """Keeps the top ``quality`` bits of each sample, zlib-compressed: real bytes, deterministic, lossless at 8.

    Bitstream: height and width (little-endian uint32), the shift, then the zlib body.
    Subclass it to rename it or to add test hooks around :meth:`encode`.
    """

    name = "quant"
    qualities = (2, 4, 6)
    quality_range = (1, 8)

    def version(self) -> str:
        return "1.0"

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        check_rgb(image, self.name)
        h, w, _ = image.shape
        shift = 8 - int(quality)
        return np.array([h, w], dtype="<u4").tobytes() + bytes([shift]) + zlib.compress((image >> shift).tobytes(), 6)

    def decode(self, data: bytes) -> np.ndarray:
        h, w = np.frombuffer(data[:8], dtype="<u4")
        shift = data[8]
        arr = np.frombuffer(zlib.decompress(data[9:]), dtype=np.uint8).reshape(int(h), int(w), 3)
        return ((arr.astype(np.uint16) << shift) + ((1 << shift) >> 1)).clip(0, 255).astype(np.uint8)
