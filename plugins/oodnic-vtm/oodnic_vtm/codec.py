"""VVC intra by the reference software VTM, exactly as the paper (ood_nic's ``models/codecs.py``) runs it."""

from __future__ import annotations

import hashlib
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np

from oodnic_platform.external import ExecutableCodec, find_executable, run

from .bitstream import picture_size
from .colour import rgb_to_ycbcr_planes, ycbcr_planes_to_rgb
from .tools import DECODER, ENCODER, ENV, GUIDANCE, decode_args, encode_args, parse_version

PIPELINE = (
    "RGB->YCbCr BT.709 full range in float32, truncated to 8 bit (CompressAI rgb2ycbcr, as ood_nic); "
    "4:4:4 8-bit input, VTM internal 10 bit; decoder output 8-bit (-d 8) -> RGB by ycbcr2rgb, truncated"
)
CONFIG = (
    "VTM 9.1 cfg/encoder_intra_vtm.cfg values as options; one intra frame; ConformanceWindowMode=1 "
    "(VTM pads to a multiple of 8, the decoder crops back)"
)
#: Reconstructions of the last bitstreams encoded, by SHA-256, for ``decode`` to check the decoder against.
_RECONSTRUCTIONS: OrderedDict[str, bytes] = OrderedDict()
_KEEP = 16


class VtmCodec(ExecutableCodec):
    """VVC intra (VTM); quality is the QP (0-63), ladder from high QP (low rate) to low QP."""

    name = "vtm"
    description = "VVC intra (VTM reference software EncoderAppStatic / DecoderAppStatic), the paper's protocol"
    #: Kodak mean bpp from about 0.1 (QP 47) to 1.6 (QP 22); see the README for the measurements.
    qualities = (47, 42, 37, 32, 27, 22)
    quality_range = (0, 63)
    #: rate search: integer QPs, the rate falling as they rise; a minute per probe, so at most four per input
    quality_scale = "integer"
    rate_rises = False
    ladder_bpp = (0.1, 1.6)
    rate_probes = 4
    fixed_settings = {"pipeline": PIPELINE, "config": CONFIG}
    executables = (ENCODER, DECODER)
    parse_version = staticmethod(parse_version)
    #: Executables; "" means $OODNIC_VTM_DIR/<name>, else PATH.
    encoder_app = ""
    decoder_app = ""
    #: Seconds one encoder or decoder run may take before it is killed (VTM takes minutes per Kodak image).
    timeout_s = 3600.0
    operational_settings = ("encoder_app", "decoder_app", "timeout_s")
    #: about a minute of CPU per Kodak image: only when asked for by name (a preset or --codec vtm)
    default = False

    def settings(self) -> dict[str, str | float]:
        return {"encoder_app": self.encoder_app, "decoder_app": self.decoder_app, "timeout_s": self.timeout_s}

    def validate(self) -> None:
        if not self.timeout_s > 0:
            raise ValueError(f"vtm timeout_s must be positive, not {self.timeout_s}")

    def check_quality(self, quality: float) -> None:
        if quality != int(quality) or not 0 <= quality <= 63:
            raise ValueError(f"vtm quality is a QP, an integer 0-63, not {quality}")

    def tool(self, name: str) -> str:
        """Path of EncoderAppStatic or DecoderAppStatic; ``RuntimeError`` with the reason or install guidance."""
        setting = self.encoder_app if name == ENCODER else self.decoder_app
        return find_executable(name, setting, env=ENV, env_is_dir=True, guidance=GUIDANCE)

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        self.check_quality(quality)
        height, width = image.shape[:2]
        encoder = self.tool(ENCODER)
        with tempfile.TemporaryDirectory(prefix="oodnic-vtm-") as tmp:
            yuv, bitstream, recon = Path(tmp, "input.yuv"), Path(tmp, "output.bin"), Path(tmp, "recon.yuv")
            rgb_to_ycbcr_planes(image).tofile(yuv)
            args = encode_args(encoder, yuv, int(quality), bitstream, recon, width, height)
            run(args, timeout_s=self.timeout_s, outputs=[bitstream, recon], cwd=tmp)
            data = bitstream.read_bytes()
            _remember(data, recon.read_bytes())
        return data

    def decode(self, data: bytes) -> np.ndarray:
        """Decode with DecoderAppStatic; a bitstream encoded here must decode to the encoder's reconstruction."""
        width, height = picture_size(data)
        decoder = self.tool(DECODER)
        with tempfile.TemporaryDirectory(prefix="oodnic-vtm-") as tmp:
            bitstream, output = Path(tmp, "input.bin"), Path(tmp, "output.yuv")
            bitstream.write_bytes(data)
            run(decode_args(decoder, bitstream, output), timeout_s=self.timeout_s, outputs=[output], cwd=tmp)
            planes = output.read_bytes()
        if len(planes) != 3 * width * height:
            raise RuntimeError(
                f"{DECODER} wrote {len(planes)} bytes, not the {3 * width * height} of a {width}x{height} 4:4:4 picture"
            )
        expected = _RECONSTRUCTIONS.pop(hashlib.sha256(data).hexdigest(), None)
        if expected is not None and expected != planes:
            raise RuntimeError(f"{DECODER}'s output differs from {ENCODER}'s reconstruction of the same bitstream")
        return ycbcr_planes_to_rgb(np.frombuffer(planes, np.uint8).reshape(3, height, width))


def _remember(bitstream: bytes, recon: bytes) -> None:
    _RECONSTRUCTIONS[hashlib.sha256(bitstream).hexdigest()] = recon
    while len(_RECONSTRUCTIONS) > _KEEP:
        _RECONSTRUCTIONS.popitem(last=False)
