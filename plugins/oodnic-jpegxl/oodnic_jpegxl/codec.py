"""JPEG XL (VarDCT, lossy) through imagecodecs' libjxl binding."""

from __future__ import annotations

import numpy as np

from oodnic_platform import Codec

try:
    import imagecodecs
except ImportError:  # reported by unavailable_reason()
    imagecodecs = None

PIPELINE = "RGB->XYB by libjxl (lossy default), no chroma subsampling, bare codestream (no container)"


class JpegXlCodec(Codec):
    """JPEG XL; quality is libjxl's butteraugli distance, listed from large (low rate) to small."""

    name = "jpegxl"
    description = "JPEG XL lossy (libjxl via imagecodecs), distance ladder"
    #: A larger distance gives fewer bits, so distances decrease along the ladder.
    #: Kodak mean 0.18 to 1.88 bpp.
    qualities = (15.0, 10.0, 7.0, 5.0, 3.5, 2.5, 1.8, 1.3, 1.0)
    #: Butteraugli distance; 0 is excluded (check_quality), it would ask for lossless coding.
    quality_range = (0.0, 25.0)
    #: rate search: any distance (the rate falling as it rises), on a log axis that leaves lossless (0) out
    quality_scale = "continuous"
    rate_rises = False
    rate_range = (0.1, 25.0)
    ladder_bpp = (0.18, 1.88)
    fixed_settings = {"pipeline": PIPELINE}
    setting_ranges = {"effort": (1, 9)}
    #: libjxl's effort, 1 (fast) to 9 (slow); 7 is libjxl's default.
    effort = 7

    def settings(self) -> dict[str, int]:
        return {"effort": self.effort}

    def check_quality(self, quality: float) -> None:
        super().check_quality(quality)
        if quality == 0:
            raise ValueError("jpegxl quality is a butteraugli distance, 0 < d <= 25, not 0")

    def version(self) -> str:
        if imagecodecs is None:
            return "unavailable"
        return f"imagecodecs {imagecodecs.__version__}, {imagecodecs.jpegxl_version()}"

    def unavailable_reason(self) -> str | None:
        if imagecodecs is None:
            return "imagecodecs is not installed: pip install imagecodecs"
        if not imagecodecs.JPEGXL.available:
            return "this imagecodecs build has no JPEG XL: pip install --force-reinstall imagecodecs"
        return None

    def encode(self, image: np.ndarray, quality: float) -> bytes:
        self.check_image(image)
        pixels = np.ascontiguousarray(image)  # libjxl needs C-contiguous rows
        return imagecodecs.jpegxl_encode(
            pixels, distance=float(quality), effort=self.effort, lossless=False, usecontainer=False
        )

    def decode(self, data: bytes) -> np.ndarray:
        return imagecodecs.jpegxl_decode(data)
