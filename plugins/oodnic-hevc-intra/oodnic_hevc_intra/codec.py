"""HEVC intra coding with x265 in a HEIF file, through pillow-heif (libheif, libde265).

The quality value is a QP on BPG's scale: ``bpgenc -q Q`` with its x265 encoder
at 8 bits runs x265 in constant-QP mode at QP ``Q + 1`` (libbpg's x265_glue.c),
so this codec passes ``x265:qp = Q + 1``. Like bpgenc, x265 runs with psy-rd and
psy-rdoq off (bpgenc's tune "ssim"). The HEIF container is counted in the bytes.
"""

from __future__ import annotations

import io

import numpy as np

from oodnic_platform import Codec

try:
    import pillow_heif
except ImportError:  # reported by unavailable_reason()
    pillow_heif = None

#: libheif's ``chroma`` parameter for each chroma layout offered.
CHROMA = {"4:4:4": "444", "4:2:0": "420"}
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo")
#: x265 QP = BPG QP + 1 at 8 bits, and x265 stops at 51.
MAX_QP = 50
#: x265's placebo preset cannot open an encoder for a frame under 32 pixels on a side (measured, x265 in pillow-heif).
PLACEBO_MIN_SIDE = 32
#: sRGB primaries and transfer, BT.601 matrix, full range: libheif's RGB->YCbCr.
NCLX = {"color_primaries": 1, "transfer_characteristics": 13, "matrix_coefficients": 6, "full_range_flag": 1}
PIPELINE = (
    "RGB->YCbCr BT.601 full range by libheif (nclx 1/13/6/full), 8 bits; x265 constant QP, psy-rd 0, psy-rdoq 0; "
    "HEIF container bytes counted; decoder: libde265, libheif chroma upsampling"
)


class HevcIntraCodec(Codec):
    """HEVC intra; quality is a QP on BPG's 0-50 scale, ladder listed from high QP (low rate) to low QP."""

    name = "hevc-intra"
    description = "HEVC intra (x265 via pillow-heif), QP on BPG's scale"
    #: A higher QP gives fewer bits, so QPs decrease along the ladder; Kodak mean 0.12 to 2.26 bpp.
    qualities = (44, 41, 38, 35, 32, 29, 26, 23, 20)
    quality_range = (0, MAX_QP)
    #: rate search: integer QPs, the rate falling as they rise
    quality_scale = "integer"
    rate_rises = False
    ladder_bpp = (0.12, 2.26)
    fixed_settings = {"pipeline": PIPELINE}
    setting_choices = {"subsampling": tuple(CHROMA), "preset": PRESETS}
    subsampling = "4:4:4"
    #: x265 preset; bpgenc's default compression level 8 uses "placebo".
    preset = "placebo"

    def settings(self) -> dict[str, str]:
        return {"subsampling": self.subsampling, "preset": self.preset}

    def version(self) -> str:
        if pillow_heif is None:
            return "unavailable"
        info = pillow_heif.libheif_info()
        return (
            f"pillow-heif {pillow_heif.__version__}, libheif {info['libheif']}, "
            f"{info['encoders'].get('x265', 'no x265')}, {info['decoders'].get('libde265', 'no libde265')}"
        )

    def unavailable_reason(self) -> str | None:
        if pillow_heif is None:
            return "pillow-heif is not installed: pip install pillow-heif"
        if "x265" not in pillow_heif.libheif_info()["encoders"]:
            return "this pillow-heif build has no x265 encoder: pip install --force-reinstall pillow-heif"
        return None

    def encoder_parameters(self, quality: int) -> dict[str, str]:
        """libheif encoder parameters for BPG QP ``quality``."""
        return {
            "preset": self.preset,
            "chroma": CHROMA[self.subsampling],
            "x265:psy-rd": "0",
            "x265:psy-rdoq": "0",
            "x265:qp": str(int(quality) + 1),
        }

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        self.check_image(image)
        if self.preset == "placebo" and min(image.shape[:2]) < PLACEBO_MIN_SIDE:
            raise ValueError(f"hevc-intra preset placebo needs {PLACEBO_MIN_SIDE} pixels on each side (x265 refuses "
                             f"smaller frames with it), got {image.shape[1]}x{image.shape[0]}: use another preset")
        params = self.encoder_parameters(quality)
        buffer = io.BytesIO()
        pillow_heif.encode(
            "RGB",
            (image.shape[1], image.shape[0]),
            np.ascontiguousarray(image).tobytes(),
            buffer,
            quality=50,  # unused: libheif applies it as a CRF, which x265:qp then replaces
            enc_params=params,
            save_nclx_profile=True,
            tile_size=0,
            **NCLX,
        )
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
        return np.asarray(heif)
