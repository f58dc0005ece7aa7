"""Built-in codec: ``none``, the no-compression baseline (the codec's input, uncompressed)."""

from __future__ import annotations

import numpy as np

from .. import __version__
from ..codec import Codec
from ..hookspecs import hookimpl

HEADER = 8  # height and width, little-endian uint32


class NoCompression(Codec):
    """Identity: raw 8-bit RGB pixels behind an 8-byte size header (24 bpp plus 64 bits per image).

    Its rows give every input's no-compression baseline: PSNR w.r.t. the clean
    image of the corrupted input itself (PSNR w.r.t. the input is infinite).
    """

    name = "none"
    description = "no compression: the input itself (24 bpp), the baseline of every input"
    qualities = (0,)
    quality_range = (0, 0)
    quality_scale = "ladder"  # one rate: a rate search codes it once and reports its bpp
    fixed_settings = {"format": "8-byte header (height, width as little-endian uint32) + raw RGB bytes"}

    def version(self) -> str:
        return f"oodnic-platform {__version__}"

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        self.check_image(image)
        h, w, _ = image.shape
        return np.array([h, w], dtype="<u4").tobytes() + np.ascontiguousarray(image, dtype=np.uint8).tobytes()

    def decode(self, data: bytes) -> np.ndarray:
        h, w = (int(v) for v in np.frombuffer(data[:HEADER], dtype="<u4"))
        if len(data) != HEADER + h * w * 3:
            raise ValueError(f"none: {len(data)} bytes do not hold a {h}x{w} image")
        return np.frombuffer(data[HEADER:], dtype=np.uint8).reshape(h, w, 3).copy()


@hookimpl
def register_codecs(register) -> None:
    register(NoCompression())
