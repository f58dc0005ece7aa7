"""BPG: HEVC intra in Bellard's container, by running bpgenc and bpgdec on temporary files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from oodnic_platform.external import ExecutableCodec, find_executable, output_of, run

from .tools import ENV, GUIDANCE, decode_args, encode_args, narrow_image_error, parse_capabilities, parse_version

#: bpgenc's ``-f`` value for each chroma layout offered.
CHROMA = {"4:4:4": "444", "4:2:0": "420"}
ENCODERS = ("x265", "jctvc")
BIT_DEPTHS = (8, 10)
PIPELINE = (
    "RGB->YCbCr BT.601 full range by bpgenc (-c ycbcr), bpgenc's chroma downsampling; "
    "decoder: bpgdec to 8-bit RGB (PPM)"
)


class BpgCodec(ExecutableCodec):
    """BPG; quality is bpgenc's QP (0-51), ladder listed from high QP (low rate) to low QP."""

    name = "bpg"
    description = "BPG (bpgenc / bpgdec executables)"
    #: A higher QP gives fewer bits, so QPs decrease along the ladder (as hevc-intra: Kodak mean 0.12 to 2.26 bpp).
    qualities = (44, 41, 38, 35, 32, 29, 26, 23, 20)
    quality_range = (0, 51)
    #: rate search: integer QPs, the rate falling as they rise
    quality_scale = "integer"
    rate_rises = False
    ladder_bpp = (0.12, 2.26)
    fixed_settings = {"pipeline": PIPELINE}
    executables = ("bpgenc", "bpgdec")
    version_args = ("-h",)
    parse_version = staticmethod(parse_version)
    subsampling = "4:4:4"
    bit_depth = 8
    encoder = "x265"
    #: bpgenc's compression level, 1 (fast) to 9 (slow); 8 is its default.
    level = 8
    #: Executables; "" means $OODNIC_BPGENC / $OODNIC_BPGDEC, else PATH.
    bpgenc = ""
    bpgdec = ""
    #: Seconds one bpgenc or bpgdec run may take before it is killed.
    timeout_s = 300.0
    operational_settings = ("bpgenc", "bpgdec", "timeout_s")
    #: The settings' schema, for the core to check; ``validate()`` checks the same until it does.
    setting_choices = {"subsampling": tuple(CHROMA), "bit_depth": BIT_DEPTHS, "encoder": ENCODERS}
    setting_ranges = {"level": (1, 9)}

    def settings(self) -> dict[str, str | int | float]:
        return {
            "subsampling": self.subsampling,
            "bit_depth": self.bit_depth,
            "encoder": self.encoder,
            "level": self.level,
            "bpgenc": self.bpgenc,
            "bpgdec": self.bpgdec,
            "timeout_s": self.timeout_s,
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
        if not self.timeout_s > 0:
            raise ValueError(f"bpg timeout_s must be positive, not {self.timeout_s}")

    def check_quality(self, quality: float) -> None:
        if quality != int(quality) or not 0 <= quality <= 51:
            raise ValueError(f"bpg quality is a QP, an integer 0-51, not {quality}")

    def tool(self, name: str) -> str:
        """Path of bpgenc or bpgdec; ``RuntimeError`` with the reason or install guidance when unusable."""
        return find_executable(name, getattr(self, name), env=ENV[name], guidance=GUIDANCE)

    def capabilities(self) -> dict[str, tuple]:
        """Encoders and bit depths of the bpgenc found, probed once from its help text."""
        return parse_capabilities(output_of(self.tool("bpgenc"), ["-h"]))

    def unavailable_reason(self) -> str | None:
        reason = super().unavailable_reason()
        if reason:
            return reason
        found = self.capabilities()
        if found["encoders"] and self.encoder not in found["encoders"]:
            return (
                f"this bpgenc ({self.tool('bpgenc')}) was built without the {self.encoder} encoder "
                f"(it has {', '.join(found['encoders'])})"
            )
        if found["bit_depths"] and self.bit_depth not in found["bit_depths"]:
            return f"this bpgenc ({self.tool('bpgenc')}) does not support {self.bit_depth}-bit coding"
        return None

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        self.check_quality(quality)
        problem = narrow_image_error(image.shape[1], self.bit_depth, CHROMA[self.subsampling], self.encoder)
        if problem:
            raise ValueError(problem)
        bpgenc = self.tool("bpgenc")
        with tempfile.TemporaryDirectory(prefix="oodnic-bpg-") as tmp:
            source, target = Path(tmp, "input.png"), Path(tmp, "output.bpg")
            Image.fromarray(image).save(source, compress_level=1)
            args = encode_args(
                bpgenc, source, target, int(quality), CHROMA[self.subsampling], self.bit_depth, self.encoder, self.level
            )
            run(args, timeout_s=self.timeout_s, outputs=[target])
            return target.read_bytes()

    def decode(self, data: bytes) -> np.ndarray:
        bpgdec = self.tool("bpgdec")
        with tempfile.TemporaryDirectory(prefix="oodnic-bpg-") as tmp:
            source, target = Path(tmp, "input.bpg"), Path(tmp, "output.ppm")
            source.write_bytes(data)
            run(decode_args(bpgdec, source, target), timeout_s=self.timeout_s, outputs=[target])
            with Image.open(target) as img:
                return np.asarray(img.convert("RGB"))

