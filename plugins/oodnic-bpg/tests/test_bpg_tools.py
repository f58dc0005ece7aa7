"""bpgenc / bpgdec argument lists, version parsing and lookup: no executables needed."""

from __future__ import annotations

import stat
from pathlib import Path

from oodnic_bpg.tools import decode_args, encode_args, find_tool, missing_message, parse_version

BPGENC_HELP = """BPG Image Encoder version 0.9.8
usage: bpgenc [options] infile.[jpg|png]

Main options:
-h                   show the full help (including the advanced options)
"""


def make_executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


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


def test_find_tool_prefers_setting_then_environment_then_path(tmp_path, monkeypatch):
    on_path = make_executable(tmp_path / "path" / "bpgenc")
    from_env = make_executable(tmp_path / "env" / "bpgenc")
    from_setting = make_executable(tmp_path / "setting" / "bpgenc")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.delenv("OODNIC_BPGENC", raising=False)
    assert find_tool("bpgenc") == str(on_path)
    monkeypatch.setenv("OODNIC_BPGENC", str(from_env))
    assert find_tool("bpgenc") == str(from_env)
    assert find_tool("bpgenc", str(from_setting)) == str(from_setting)
    assert find_tool("bpgenc", str(tmp_path / "nowhere" / "bpgenc")) is None


def test_missing_message_is_one_line_of_guidance():
    message = missing_message("bpgdec")
    assert "\n" not in message
    assert "bpgdec not found" in message and "OODNIC_BPGDEC" in message and "bellard.org/bpg" in message
