"""BPG: HEVC intra in Bellard's container, by running bpgenc and bpgdec on temporary files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from oodnic_platform import Codec

from .tools import decode_args, encode_args, find_tool, missing_message, run_tool, tool_version

#: bpgenc's ``-f`` value for each chroma layout offered.
CHROMA = {"4:4:4": "444", "4:2:0": "420"}
ENCODERS = ("x265", "jctvc")
BIT_DEPTHS = (8, 10)
PIPELINE = (
    "RGB->YCbCr BT.601 full range by bpgenc (-c ycbcr), bpgenc's chroma downsampling; "
    "decoder: bpgdec to 8-bit RGB (PPM)"
)


class BpgCodec(Codec):
    """BPG; quality is bpgenc's QP (0-51), ladder listed from high QP (low rate) to low QP."""

    name = "bpg"
    description = "BPG (bpgenc / bpgdec executables)"
    #: A higher QP gives fewer bits, so QPs decrease along the ladder (as hevc-intra: Kodak mean 0.12 to 2.26 bpp).
    qualities = (44, 41, 38, 35, 32, 29, 26, 23, 20)
    subsampling = "4:4:4"
    bit_depth = 8
    encoder = "x265"
    #: bpgenc's compression level, 1 (fast) to 9 (slow); 8 is its default.
    level = 8
    #: Executables; "" means $OODNIC_BPGENC / $OODNIC_BPGDEC, else PATH.
    bpgenc = ""
    bpgdec = ""
    pipeline = PIPELINE
    #: Seconds one bpgenc or bpgdec run may take before it is killed.
    timeout_s = 300.0

    def settings(self) -> dict[str, str | int]:
        return {
            "subsampling": self.subsampling,
            "bit_depth": self.bit_depth,
            "encoder": self.encoder,
            "level": self.level,
            "bpgenc": self.bpgenc,
            "bpgdec": self.bpgdec,
            "pipeline": self.pipeline,
        }

    def validate(self) -> None:
        if self.subsampling not in CHROMA:
            raise ValueError(f"bpg subsampling must be one of {', '.join(CHROMA)}, not {self.subsampling!r}")
        if self.bit_depth not in BIT_DEPTHS:
            raise ValueError(f"bpg bit_depth must be 8 or 10, not {self.bit_depth}")
        if self.encoder not in ENCODERS:
            raise ValueError(f"bpg encoder must be one of {', '.join(ENCODERS)}, not {self.encoder!r}")
        if not 1 <= self.level <= 9:
            raise ValueError(f"bpg level must be 1-9, not {self.level}")
        if self.pipeline != PIPELINE:
            raise ValueError("bpg pipeline is fixed and cannot be set")

    def tool(self, name: str) -> str:
        """Path of bpgenc or bpgdec; ``RuntimeError`` with install guidance when missing."""
        path = find_tool(name, getattr(self, name))
        if path is None:
            raise RuntimeError(missing_message(name))
        return path

    def unavailable_reason(self) -> str | None:
        for name in ("bpgenc", "bpgdec"):
            if find_tool(name, getattr(self, name)) is None:
                return missing_message(name)
        return None

    def version(self) -> str:
        if self.unavailable_reason():
            return "unavailable"
        return f"bpgenc {tool_version(self.tool('bpgenc'))}, bpgdec {tool_version(self.tool('bpgdec'))}"

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        if not 0 <= int(quality) <= 51:
            raise ValueError(f"bpg quality is a QP, 0-51, not {quality}")
        bpgenc = self.tool("bpgenc")
        with tempfile.TemporaryDirectory(prefix="oodnic-bpg-") as tmp:
            source, target = Path(tmp, "input.png"), Path(tmp, "output.bpg")
            Image.fromarray(image).save(source, compress_level=1)
            args = encode_args(
                bpgenc, source, target, int(quality), CHROMA[self.subsampling], self.bit_depth, self.encoder, self.level
            )
            run_tool(args, self.timeout_s)
            return target.read_bytes()

    def decode(self, data: bytes) -> np.ndarray:
        bpgdec = self.tool("bpgdec")
        with tempfile.TemporaryDirectory(prefix="oodnic-bpg-") as tmp:
            source, target = Path(tmp, "input.bpg"), Path(tmp, "output.ppm")
            source.write_bytes(data)
            run_tool(decode_args(bpgdec, source, target), self.timeout_s)
            with Image.open(target) as img:
                return np.asarray(img.convert("RGB"))
