"""JPEG 2000 through Pillow (OpenJPEG): rate-controlled to a target bpp, or coded as the paper coded it."""

from __future__ import annotations

import io

import numpy as np
import PIL
from PIL import Image, features

from oodnic_platform import Codec

from . import paper

#: Bits per pixel of the uncompressed input (3 components x 8 bits): OpenJPEG's
#: rate is a compression ratio against this.
RAW_BPP = 24.0
MODES = ("bpp", "paper")
#: What each mode does, recorded with every row.
PIPELINES = {
    "bpp": "RGB->YCbCr irreversible colour transform (ICT, BT.601 full range), no chroma subsampling; J2K "
           "codestream (no JP2 box), one quality layer rate-controlled to the target bpp, 9/7 irreversible wavelet, "
           "5 decomposition levels, 64x64 code blocks, LRCP, no tiling",
    "paper": "ffmpeg -pix_fmt yuv444p -c:v libopenjpeg -compression_level q, reproduced: RGB->YCbCr BT.601 limited "
             "range (libswscale integers), no MCT; JP2 file (sYCC), one quality layer at compression ratio 2q, 5/3 "
             "reversible wavelet, 5 decomposition levels, 64x64 code blocks, LRCP, no tiling; back to RGB as ffmpeg",
}
LADDERS = {
    "bpp": (0.1, 0.15, 0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0),
    #: ffmpeg's compression_level q: about 12 / q bpp, so q decreases along the ladder (low to high rate).
    "paper": (120, 80, 48, 34, 24, 16, 12, 8, 6),
}
RANGES = {"bpp": (0.0, RAW_BPP), "paper": (0, 10000)}
#: What a rate search (``--target-bpp``) may use: bpp mode hits its target directly; the paper's ratio is
#: about 12 / q bpp, so q is searched on a log axis (q = 0, lossless, left out).
RATE_RANGES = {"bpp": (0.01, 23.9), "paper": (1, 10000)}
SCALES = {"bpp": "continuous", "paper": "integer"}
LADDER_BPP = {"bpp": (0.1, 2.0), "paper": (0.1, 2.0)}


class Jpeg2000Codec(Codec):
    """JPEG 2000; ``mode = "bpp"``: quality is the target bpp; ``mode = "paper"``: ffmpeg's compression_level."""

    name = "jpeg2000"
    description = "JPEG 2000 (OpenJPEG via Pillow): a bpp target, or the paper's ffmpeg coding"
    setting_choices = {"mode": MODES}
    mode = "bpp"

    @property
    def qualities(self) -> tuple:
        return LADDERS[self.mode]

    @property
    def quality_range(self) -> tuple:
        return RANGES[self.mode]

    @property
    def quality_scale(self) -> str:  # type: ignore[override]
        return SCALES[self.mode]

    @property
    def rate_rises(self) -> bool:  # type: ignore[override]
        return self.mode == "bpp"

    @property
    def rate_range(self) -> tuple:  # type: ignore[override]
        return RATE_RANGES[self.mode]

    @property
    def ladder_bpp(self) -> tuple:  # type: ignore[override]
        return LADDER_BPP[self.mode]

    @property
    def fixed_settings(self) -> dict[str, str]:
        return {"pipeline": PIPELINES[self.mode]}

    def settings(self) -> dict[str, str]:
        return {"mode": self.mode}

    def check_quality(self, quality: float) -> None:
        super().check_quality(quality)
        if self.mode == "bpp" and not 0 < quality < RAW_BPP:
            raise ValueError(f"jpeg2000 quality is a rate in bpp, 0 < bpp < {RAW_BPP:g}, not {quality}")

    def version(self) -> str:
        return f"Pillow {PIL.__version__}, OpenJPEG {features.version('jpg_2000')}"

    def unavailable_reason(self) -> str | None:
        if not features.check("jpg_2000"):
            return "Pillow was built without OpenJPEG: pip install --force-reinstall pillow"
        return None

    def encode(self, image: np.ndarray, quality: float) -> bytes:
        self.check_image(image)
        if self.mode == "paper":
            return paper.encode(image, int(quality))
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG2000", no_jp2=True, quality_mode="rates",
                                    quality_layers=[RAW_BPP / float(quality)], irreversible=True, mct=1)
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        if self.mode == "paper":
            return paper.decode(data)
        with Image.open(io.BytesIO(data), formats=["JPEG2000"]) as img:
            return np.asarray(img.convert("RGB"))
