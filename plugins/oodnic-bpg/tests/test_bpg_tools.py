"""bpgenc / bpgdec argument lists, help-text parsing and known limits: no executables needed."""

from __future__ import annotations

from pathlib import Path

from oodnic_bpg.tools import decode_args, encode_args, narrow_image_error, parse_capabilities, parse_version

BPGENC_HELP = """BPG Image Encoder version 0.9.8
usage: bpgenc [options] infile.[jpg|png]

Main options:
-h                   show the full help (including the advanced options)
-b bit_depth         set the bit depth (8 to 12, default = 8)
-lossless            enable lossless mode
-e encoder           select the HEVC encoder (x265, default = x265)
"""


def test_encode_args():
    args = encode_args("/opt/bpgenc", Path("/t/in.png"), Path("/t/out.bpg"), 29, "444", 10, "jctvc", 8)
    assert args == [
        "/opt/bpgenc", "-q", "29", "-f", "444", "-c", "ycbcr", "-b", "10",
        "-e", "jctvc", "-m", "8", "-o", "/t/out.bpg", "/t/in.png",
    ]  # fmt: skip


def test_decode_args_write_ppm():
    assert decode_args("bpgdec", Path("in.bpg"), Path("out.ppm")) == ["bpgdec", "-o", "out.ppm", "in.bpg"]


def test_parse_version():
    assert parse_version(BPGENC_HELP) == "0.9.8"
    assert parse_version("BPG Image Decoder version 0.9.7\nusage: bpgdec [options] infile") == "0.9.7"
    assert parse_version("bash: bpgenc: command not found") is None


def test_parse_capabilities():
    assert parse_capabilities(BPGENC_HELP) == {"encoders": ("x265",), "bit_depths": (8, 9, 10, 11, 12)}
    with_jctvc = BPGENC_HELP.replace("(x265, default", "(x265, jctvc, default")
    assert parse_capabilities(with_jctvc)["encoders"] == ("x265", "jctvc")
    assert parse_capabilities("something else") == {"encoders": (), "bit_depths": ()}


def test_narrow_image_limit_depends_on_bit_depth_and_chroma():
    assert narrow_image_error(24, 8, "444", "x265") == (
        "bpg cannot code images narrower than 25 px at 8-bit 444 (bpgenc's x265 crashes); this one is 24 px wide"
    )
    assert narrow_image_error(25, 8, "420", "x265") is None
    assert narrow_image_error(24, 10, "444", "x265") is not None and narrow_image_error(25, 10, "444", "x265") is None
    assert narrow_image_error(56, 10, "420", "x265") is not None and narrow_image_error(57, 10, "420", "x265") is None
    assert narrow_image_error(8, 8, "444", "jctvc") is None
