"""JPEG 2000 through Pillow (OpenJPEG), rate-controlled to a target bits per pixel."""

from __future__ import annotations

import io

import numpy as np
import PIL
from PIL import Image, features

from oodnic_platform import Codec

#: Bits per pixel of the uncompressed input (3 components x 8 bits): OpenJPEG's
#: rate is a compression ratio against this.
RAW_BPP = 24.0
MODE = (
    "J2K codestream (no JP2 box), one quality layer rate-controlled to the target bpp, "
    "9/7 irreversible wavelet, 5 decomposition levels, 64x64 code blocks, LRCP, no tiling"
)
PIPELINE = "RGB->YCbCr irreversible colour transform (ICT, BT.601 full range), no chroma subsampling"


class Jpeg2000Codec(Codec):
    """JPEG 2000; the quality value is the target rate in bits per pixel."""

    name = "jpeg2000"
    description = "JPEG 2000 (OpenJPEG via Pillow), rate target in bpp"
    qualities = (0.1, 0.15, 0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0)
    mode = MODE
    pipeline = PIPELINE

    def settings(self) -> dict[str, str]:
        return {"mode": self.mode, "pipeline": self.pipeline}

    def validate(self) -> None:
        if (self.mode, self.pipeline) != (MODE, PIPELINE):
            raise ValueError("jpeg2000 mode and pipeline are fixed and cannot be set")

    def version(self) -> str:
        return f"Pillow {PIL.__version__}, OpenJPEG {features.version('jpg_2000')}"

    def unavailable_reason(self) -> str | None:
        if not features.check("jpg_2000"):
            return "Pillow was built without OpenJPEG: pip install --force-reinstall pillow"
        return None

    def encode(self, image: np.ndarray, quality: float) -> bytes:
        if not 0 < float(quality) < RAW_BPP:
            raise ValueError(f"jpeg2000 quality is a rate in bpp, 0 < bpp < {RAW_BPP:g}, not {quality}")
        buffer = io.BytesIO()
        Image.fromarray(image).save(
            buffer,
            format="JPEG2000",
            no_jp2=True,
            quality_mode="rates",
            quality_layers=[RAW_BPP / float(quality)],
            irreversible=True,
            mct=1,
        )
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        with Image.open(io.BytesIO(data), formats=["JPEG2000"]) as img:
            return np.asarray(img.convert("RGB"))
