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
    #: libjxl's effort, 1 (fast) to 9 (slow); 7 is libjxl's default.
    effort = 7
    pipeline = PIPELINE

    def settings(self) -> dict[str, str | int]:
        return {"effort": self.effort, "pipeline": self.pipeline}

    def validate(self) -> None:
        if not 1 <= self.effort <= 9:
            raise ValueError(f"jpegxl effort must be 1-9, not {self.effort}")
        if self.pipeline != PIPELINE:
            raise ValueError("jpegxl pipeline is fixed by the library and cannot be set")

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
        if not 0 < float(quality) <= 25:
            raise ValueError(f"jpegxl quality is a butteraugli distance, 0 < d <= 25, not {quality}")
        pixels = np.ascontiguousarray(image)  # libjxl needs C-contiguous rows
        return imagecodecs.jpegxl_encode(
            pixels, distance=float(quality), effort=self.effort, lossless=False, usecontainer=False
        )

    def decode(self, data: bytes) -> np.ndarray:
        return imagecodecs.jpegxl_decode(data)
