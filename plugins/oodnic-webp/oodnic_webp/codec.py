"""Lossy WebP (VP8 intra) through imagecodecs' libwebp binding."""

from __future__ import annotations

import numpy as np

from oodnic_platform import Codec

try:
    import imagecodecs
except ImportError:  # reported by unavailable_reason()
    imagecodecs = None

PIPELINE = (
    "RGB->YCbCr BT.601 limited range 4:2:0 by libwebp (no sharp YUV), VP8 lossy, no alpha; "
    "decoder: libwebp fancy chroma upsampling"
)


class WebpCodec(Codec):
    """Lossy WebP; quality is libwebp's 0-100 scale (ladder from low to high rate)."""

    name = "webp"
    description = "WebP lossy (libwebp via imagecodecs)"
    #: Kodak mean 0.11 to 2.01 bpp.
    qualities = (0, 5, 15, 30, 50, 65, 80, 90)
    #: libwebp's speed/size trade-off, 0 (fast) to 6 (slow); 4 is libwebp's default.
    method = 4
    pipeline = PIPELINE

    def settings(self) -> dict[str, str | int]:
        return {"method": self.method, "pipeline": self.pipeline}

    def validate(self) -> None:
        if not 0 <= self.method <= 6:
            raise ValueError(f"webp method must be 0-6, not {self.method}")
        if self.pipeline != PIPELINE:
            raise ValueError("webp pipeline is fixed by the library and cannot be set")

    def version(self) -> str:
        if imagecodecs is None:
            return "unavailable"
        return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.webp_version()}"

    def unavailable_reason(self) -> str | None:
        if imagecodecs is None:
            return "imagecodecs is not installed: pip install imagecodecs"
        if not imagecodecs.WEBP.available:
            return "this imagecodecs build has no WebP: pip install --force-reinstall imagecodecs"
        return None

    def encode(self, image: np.ndarray, quality: float) -> bytes:
        if not 0 <= float(quality) <= 100:
            raise ValueError(f"webp quality must be 0-100, not {quality}")
        pixels = np.ascontiguousarray(image)  # libwebp needs C-contiguous rows
        return imagecodecs.webp_encode(pixels, level=float(quality), lossless=False, method=self.method)

    def decode(self, data: bytes) -> np.ndarray:
        return imagecodecs.webp_decode(data, hasalpha=False)
