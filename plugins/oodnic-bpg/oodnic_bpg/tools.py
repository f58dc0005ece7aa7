"""bpgenc and bpgdec: finding them, their argument lists, running them, reading their version."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

#: Environment variable naming each executable when it is not on PATH.
ENV = {"bpgenc": "OODNIC_BPGENC", "bpgdec": "OODNIC_BPGDEC"}
VERSION_RE = re.compile(r"BPG Image (?:En|De)coder version (\S+)")


def find_tool(name: str, given: str = "") -> str | None:
    """Path of executable ``name``: ``given`` if set, else ``$OODNIC_BPGENC``/``$OODNIC_BPGDEC``, else PATH."""
    return shutil.which(given or os.environ.get(ENV[name], "") or name)


def missing_message(name: str) -> str:
    """One line: what is missing and how to get it."""
    return (
        f"{name} not found (setting, ${ENV[name]}, PATH): build libbpg from https://bellard.org/bpg/ "
        f"(make && make install) or set {ENV[name]} to the executable"
    )


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


def run_tool(args: list[str], timeout_s: float) -> None:
    """Run without a shell; raise ``RuntimeError`` with one line on failure or timeout."""
    name = Path(args[0]).name
    try:
        proc = subprocess.run(args, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{name} did not finish within {timeout_s:g} s and was killed") from None
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"{name} failed with exit status {proc.returncode}: {lines[0] if lines else 'no message'}")


def parse_version(help_text: str) -> str | None:
    """The version in bpgenc's or bpgdec's help text."""
    match = VERSION_RE.search(help_text)
    return match.group(1) if match else None


@lru_cache(maxsize=None)
def tool_version(path: str) -> str:
    """Version printed by ``path -h`` (bpgenc and bpgdec print help and exit 1)."""
    proc = subprocess.run([path, "-h"], capture_output=True, stdin=subprocess.DEVNULL, timeout=30, check=False)
    return parse_version((proc.stdout + proc.stderr).decode(errors="replace")) or "unknown"
