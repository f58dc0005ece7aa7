"""bpgenc and bpgdec: their argument lists, what their help text says, their known limits."""

from __future__ import annotations

import re
from pathlib import Path

#: Environment variable naming each executable when it is not on PATH.
ENV = {"bpgenc": "OODNIC_BPGENC", "bpgdec": "OODNIC_BPGDEC"}
GUIDANCE = (
    "build libbpg 0.9.8 without root (apt-get install build-essential cmake yasm libpng-dev libjpeg-dev; "
    "make USE_BPGVIEW=) and set OODNIC_BPGENC / OODNIC_BPGDEC to bpgenc / bpgdec, see plugins/oodnic-bpg/README.md"
)
VERSION_RE = re.compile(r"BPG Image (?:En|De)coder version (\S+)")
ENCODERS_RE = re.compile(r"select the HEVC encoder \(([^)]*)\)")
BIT_DEPTH_RE = re.compile(r"set the bit depth \((\d+) to (\d+)")
#: Narrowest image bpgenc 0.9.8's x265 codes without crashing (SIGSEGV in x265's AVX2 code), per
#: (bit depth, chroma); measured on widths 1-199 and heights 1-79 at QPs 0-51, levels 1-9 (heights: no limit).
X265_MIN_WIDTH = {(8, "444"): 25, (8, "420"): 25, (10, "444"): 25, (10, "420"): 57}


def encode_args(
    bpgenc: str, source: Path, target: Path, qp: int, chroma: str, bit_depth: int, encoder: str, level: int
) -> list[str]:
    """bpgenc's command line: YCbCr (BT.601, full range) at QP ``qp``, ``chroma`` 444 or 420."""
    return [
        bpgenc, "-q", str(qp), "-f", chroma, "-c", "ycbcr", "-b", str(bit_depth),
        "-e", encoder, "-m", str(level), "-o", str(target), str(source),
    ]  # fmt: skip


def decode_args(bpgdec: str, source: Path, target: Path) -> list[str]:
    """bpgdec's command line; a ``.ppm`` target gives 8-bit RGB whatever the coded bit depth."""
    return [bpgdec, "-o", str(target), str(source)]


def parse_version(help_text: str) -> str | None:
    """The version in bpgenc's or bpgdec's help text."""
    match = VERSION_RE.search(help_text)
    return match.group(1) if match else None


def parse_capabilities(help_text: str) -> dict[str, tuple]:
    """Encoders and bit depths bpgenc's help lists: ``{"encoders": ("x265",), "bit_depths": (8, ..., 12)}``."""
    encoders = ENCODERS_RE.search(help_text)
    depths = BIT_DEPTH_RE.search(help_text)
    names = [e.strip() for e in encoders.group(1).split(",") if "default" not in e] if encoders else []
    return {
        "encoders": tuple(n for n in names if n),
        "bit_depths": tuple(range(int(depths.group(1)), int(depths.group(2)) + 1)) if depths else (),
    }


def narrow_image_error(width: int, bit_depth: int, chroma: str, encoder: str) -> str | None:
    """One line when bpgenc is known to crash on an image this narrow, else ``None``."""
    minimum = X265_MIN_WIDTH[(bit_depth, chroma)] if encoder == "x265" else 1
    if width >= minimum:
        return None
    return (
        f"bpg cannot code images narrower than {minimum} px at {bit_depth}-bit {chroma} "
        f"(bpgenc's x265 crashes); this one is {width} px wide"
    )
