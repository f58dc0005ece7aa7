"""AVIF through pillow-avif-plugin: libavif with the aom, SVT-AV1 or rav1e encoder, dav1d decoder.

Importing ``pillow_avif`` makes pillow-avif-plugin Pillow's AVIF handler in this
process (in place of Pillow's built-in one, which only offers aom).
"""

from __future__ import annotations

import io
import os

import numpy as np
from PIL import Image

from oodnic_platform import Codec

try:
    import pillow_avif
    from pillow_avif import _avif  # the extension module: the only place libavif's version is exposed
    from pillow_avif.AvifImagePlugin import get_codec_version
except ImportError:  # reported by unavailable_reason()
    pillow_avif = None

ENCODERS = ("aom", "svt", "rav1e")
SUBSAMPLINGS = ("4:4:4", "4:2:0")
AOM_TUNES = ("psnr", "ssim", "iq")
PIPELINE = (
    "RGB->YCbCr BT.601 full range by libavif (nclx 1/13/6, full range); "
    "decoder: dav1d, libavif automatic chroma upsampling"
)


class AvifCodec(Codec):
    """AVIF; quality is libavif's 0-100 scale (ladder from low to high rate)."""

    name = "avif"
    description = "AVIF still image (libavif via pillow-avif-plugin)"
    #: Kodak mean 0.11 to 1.90 bpp with aom, speed 6, 4:4:4, tune psnr.
    qualities = (10, 20, 30, 40, 50, 60, 70, 80)
    quality_range = (0, 100)
    #: rate search: integer qualities, the rate rising with them
    quality_scale = "integer"
    rate_rises = True
    ladder_bpp = (0.11, 1.90)
    fixed_settings = {"pipeline": PIPELINE}
    setting_choices = {"encoder": ENCODERS, "subsampling": SUBSAMPLINGS, "aom_tune": AOM_TUNES}
    setting_ranges = {"speed": (0, 10)}
    encoder = "aom"
    speed = 6
    subsampling = "4:4:4"
    #: Encoder threads; aom's bitstream depends on it, so it is a recorded setting.
    threads = 1
    #: aom's ``tune`` (libavif's own default for aom is perceptual); ignored by svt and rav1e.
    aom_tune = "psnr"

    def settings(self) -> dict[str, str | int]:
        return {
            "encoder": self.encoder,
            "speed": self.speed,
            "subsampling": self.subsampling,
            "threads": self.threads,
            "aom_tune": self.aom_tune,
        }

    def validate(self) -> None:
        if self.encoder == "svt" and self.subsampling != "4:2:0":
            raise ValueError("the svt encoder supports only subsampling 4:2:0")
        if self.threads < 1:
            raise ValueError(f"avif threads must be at least 1, not {self.threads}")

    def version(self) -> str:
        if pillow_avif is None:
            return "unavailable"
        return (
            f"pillow-avif-plugin {pillow_avif.__version__}, libavif {_avif.libavif_version}, "
            f"{self.encoder} {get_codec_version(self.encoder)}, dav1d {get_codec_version('dav1d')}"
        )

    def unavailable_reason(self) -> str | None:
        if pillow_avif is None:
            return "pillow-avif-plugin is not installed: pip install pillow-avif-plugin"
        if get_codec_version(self.encoder) is None:
            return (
                f"this pillow-avif-plugin build has no {self.encoder} encoder: "
                "pip install --force-reinstall pillow-avif-plugin"
            )
        return None

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        self.check_image(image)
        if self.encoder == "svt":
            os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1 logs every encode at info level otherwise
        buffer = io.BytesIO()
        Image.fromarray(image).save(
            buffer,
            format="AVIF",
            quality=int(quality),
            speed=self.speed,
            subsampling=self.subsampling,
            codec=self.encoder,
            max_threads=self.threads,
            range="full",
            advanced={"tune": self.aom_tune} if self.encoder == "aom" else None,
        )
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        with Image.open(io.BytesIO(data), formats=["AVIF"]) as img:
            return np.asarray(img.convert("RGB"))
