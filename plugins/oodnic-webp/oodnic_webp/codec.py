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
    quality_range = (0, 100)
    #: libwebp's quality is a float: a rate search may use any value in the range (rate rises with it).
    quality_scale = "continuous"
    rate_rises = True
    rate_axis = "log"  # on log(1 + quality): the rate climbs steeply above quality 0, then evenly
    ladder_bpp = (0.11, 2.0)
    fixed_settings = {"pipeline": PIPELINE}
    setting_ranges = {"method": (0, 6)}
    #: libwebp's speed/size trade-off, 0 (fast) to 6 (slow); 4 is libwebp's default.
    method = 4

    def settings(self) -> dict[str, int]:
        return {"method": self.method}

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
        self.check_image(image)
        pixels = np.ascontiguousarray(image)  # libwebp needs C-contiguous rows
        return imagecodecs.webp_encode(pixels, level=float(quality), lossless=False, method=self.method)

    def decode(self, data: bytes) -> np.ndarray:
        return imagecodecs.webp_decode(data, hasalpha=False)
