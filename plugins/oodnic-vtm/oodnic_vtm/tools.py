"""EncoderAppStatic and DecoderAppStatic: names, install guidance, the paper's command lines."""

from __future__ import annotations

import re
from pathlib import Path

ENCODER, DECODER = "EncoderAppStatic", "DecoderAppStatic"
#: Folder holding both executables (as ``build-vtm.sh PREFIX`` leaves them).
ENV = "OODNIC_VTM_DIR"
GUIDANCE = (
    "build VTM 9.1 without root (apt-get install build-essential cmake; in this repository: "
    "bash ../shared/tools/build-vtm.sh PREFIX) and set OODNIC_VTM_DIR=PREFIX, see plugins/oodnic-vtm/README.md"
)
VERSION_RE = re.compile(r"VTM (?:En|De)coder Version (\S+)")

#: VTM 9.1's ``cfg/encoder_intra_vtm.cfg`` (the paper's configuration), every value but the file names and
#: the QP, passed as ``--Key=Value`` so no cfg file is needed; a test checks the bitstream equals ``-c`` that file's.
INTRA_CFG = (
    ("Profile", "auto"), ("MaxCUWidth", "64"), ("MaxCUHeight", "64"),
    ("IntraPeriod", "1"), ("DecodingRefreshType", "1"), ("GOPSize", "1"),
    ("FastSearch", "1"), ("SearchRange", "64"), ("HadamardME", "1"), ("FEN", "1"), ("FDM", "1"),
    ("MaxDeltaQP", "0"), ("MaxCuDQPSubdiv", "0"), ("DeltaQpRD", "0"), ("RDOQ", "1"), ("RDOQTS", "1"),
    ("LoopFilterOffsetInPPS", "1"), ("LoopFilterDisable", "0"),
    ("LoopFilterBetaOffset_div2", "0"), ("LoopFilterTcOffset_div2", "0"),
    ("LoopFilterCbBetaOffset_div2", "0"), ("LoopFilterCbTcOffset_div2", "0"),
    ("LoopFilterCrBetaOffset_div2", "0"), ("LoopFilterCrTcOffset_div2", "0"), ("DeblockingFilterMetric", "0"),
    ("InternalBitDepth", "10"),
    ("SAO", "1"), ("TransformSkip", "1"), ("TransformSkipFast", "1"), ("TransformSkipLog2MaxSize", "5"),
    ("SAOLcuBoundary", "0"),
    ("SEIDecodedPictureHash", "0"), ("CbQpOffset", "0"), ("CrQpOffset", "0"), ("SameCQPTablesForAllChroma", "1"),
    ("QpInValCb", "17 27 32 44"), ("QpOutValCb", "17 29 34 41"), ("TemporalSubsampleRatio", "8"),
    ("ReWriteParamSets", "1"),
    ("CTUSize", "128"), ("LCTUFast", "1"), ("DualITree", "1"), ("MinQTLumaISlice", "8"),
    ("MinQTChromaISliceInChromaSamples", "4"), ("MinQTNonISlice", "8"), ("MaxMTTHierarchyDepth", "3"),
    ("MaxMTTHierarchyDepthISliceL", "3"), ("MaxMTTHierarchyDepthISliceC", "3"),
    ("MTS", "1"), ("MTSIntraMaxCand", "4"), ("MTSInterMaxCand", "4"), ("SBT", "1"), ("LFNST", "1"), ("ISP", "1"),
    ("Affine", "1"), ("SubPuMvp", "1"), ("MaxNumMergeCand", "6"), ("LMChroma", "1"), ("DepQuant", "1"),
    ("IMV", "1"), ("ALF", "1"), ("IBC", "0"), ("AllowDisFracMMVD", "1"), ("AffineAmvr", "0"),
    ("LMCSEnable", "1"), ("LMCSSignalType", "0"), ("LMCSUpdateCtrl", "1"), ("LMCSOffset", "2"),
    ("MRL", "1"), ("MIP", "1"), ("JointCbCr", "1"), ("ChromaTS", "1"),
    ("PBIntraFast", "1"), ("ISPFast", "1"), ("FastMrg", "1"), ("AMaxBT", "1"), ("FastMIP", "1"), ("FastLFNST", "1"),
    ("AffineAmvrEncOpt", "0"),
)  # fmt: skip


def paper_args(yuv: Path, qp: int, bitstream: Path, width: int, height: int) -> list[str]:
    """The options ood_nic's ``VTM._run_impl`` gives after ``-c encoder_intra_vtm.cfg``, but for ``-o``.

    One intra frame of 8-bit 4:4:4 input; ``ConformanceWindowMode=1`` makes VTM pad the picture to
    a multiple of its minimum CU size (8) itself and signal the window the decoder crops back to.
    """
    return [
        "-i", str(yuv), "-q", str(qp), "-b", str(bitstream), "-wdt", str(width), "-hgt", str(height),
        "-fr", "1", "-f", "1", "--InputChromaFormat=444", "--InputBitDepth=8", "--ConformanceWindowMode=1",
    ]  # fmt: skip


def encode_args(encoder: str, yuv: Path, qp: int, bitstream: Path, recon: Path, width: int, height: int) -> list[str]:
    """The paper's encoder call, the cfg values as options, and the reconstruction kept (8-bit) for checking."""
    cfg = [f"--{key}={value}" for key, value in INTRA_CFG]
    return [encoder, *cfg, *paper_args(yuv, qp, bitstream, width, height), "-o", str(recon), "--OutputBitDepth=8"]


def decode_args(decoder: str, bitstream: Path, output: Path) -> list[str]:
    """The paper's decoder call: 8-bit output, cropped to the conformance window."""
    return [decoder, "-b", str(bitstream), "-o", str(output), "-d", "8"]


def parse_version(banner: str) -> str | None:
    """The version in EncoderAppStatic's or DecoderAppStatic's banner."""
    match = VERSION_RE.search(banner)
    return match.group(1) if match else None
