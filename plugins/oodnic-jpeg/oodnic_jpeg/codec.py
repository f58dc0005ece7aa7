"""JPEG through Pillow (libjpeg-turbo): baseline, standard Huffman tables."""

from __future__ import annotations

import io

import numpy as np
import PIL
from PIL import Image, features

from oodnic_platform import Codec

#: Pillow's ``subsampling`` code for each chroma layout offered.
SUBSAMPLING = {"4:4:4": 0, "4:2:0": 2}
PIPELINE = (
    "RGB->YCbCr BT.601 full range (JFIF), 8x8 islow DCT, libjpeg quality-scaled Annex K tables, "
    "standard Huffman tables; decoder: fancy chroma upsampling"
)


class JpegCodec(Codec):
    """JPEG; quality is Pillow's 1-100 scale (ladder from low to high rate)."""

    name = "jpeg"
    description = "JPEG baseline (libjpeg-turbo via Pillow)"
    #: Kodak mean 0.18 to 1.86 bpp at 4:2:0.
    qualities = (3, 5, 10, 20, 30, 45, 60, 75, 85)
    quality_range = (1, 100)
    #: rate search: integer qualities, the rate rising with them
    quality_scale = "integer"
    rate_rises = True
    ladder_bpp = (0.18, 1.86)
    fixed_settings = {"pipeline": PIPELINE}
    setting_choices = {"subsampling": tuple(SUBSAMPLING)}
    subsampling = "4:2:0"

    def settings(self) -> dict[str, str]:
        return {"subsampling": self.subsampling}

    def version(self) -> str:
        if features.check_feature("libjpeg_turbo"):
            return f"Pillow {PIL.__version__}, libjpeg-turbo {features.version_feature('libjpeg_turbo')}"
        return f"Pillow {PIL.__version__}, libjpeg {features.version('jpg')}"

    def unavailable_reason(self) -> str | None:
        if not features.check("jpg"):
            return "Pillow was built without JPEG support: pip install --force-reinstall pillow"
        return None

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        self.check_image(image)
        buffer = io.BytesIO()
        Image.fromarray(image).save(
            buffer, format="JPEG", quality=int(quality), subsampling=SUBSAMPLING[self.subsampling]
        )
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as img:
            return np.asarray(img.convert("RGB"))
