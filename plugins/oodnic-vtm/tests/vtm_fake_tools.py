"""Stand-ins for EncoderAppStatic / DecoderAppStatic that test the subprocess plumbing, not VVC.

The fake encoder logs its argv, writes a stored real VTM 9.1 bitstream of an 8x8 picture and, as
its "reconstruction", the input planes; the fake decoder writes the planes in ``FAKE_VTM_DECODED``
(a file), else mid-grey. ``FAKE_VTM_NO_RECON`` makes the encoder exit 0 without a reconstruction.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"

SCRIPT = '''#!{python}
import json, os, shutil, sys
args = sys.argv[1:]
if args == ["--help"]:
    print("\\nVVCSoftware: VTM {kind} Version 9.1-fake [Linux]")
    sys.exit(0)
with open({log!r}, "a") as log:
    log.write(json.dumps(sys.argv) + "\\n")
def value(flag):
    return args[args.index(flag) + 1]
if "{kind}" == "Encoder":
    shutil.copy({bitstream!r}, value("-b"))
    if not os.environ.get("FAKE_VTM_NO_RECON"):
        shutil.copy(value("-i"), value("-o"))
elif os.environ.get("FAKE_VTM_DECODED"):
    shutil.copy(os.environ["FAKE_VTM_DECODED"], value("-o"))
else:
    open(value("-o"), "wb").write(bytes([128]) * 3 * 8 * 8)
'''


def write_fake_tools(folder: Path) -> tuple[Path, Path, Path]:
    """Create fake ``EncoderAppStatic`` and ``DecoderAppStatic`` in ``folder``; return their paths and the argv log."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "argv.jsonl"
    paths = []
    for name, kind in (("EncoderAppStatic", "Encoder"), ("DecoderAppStatic", "Decoder")):
        path = folder / name
        path.write_text(SCRIPT.format(python=sys.executable, kind=kind, log=str(log), bitstream=str(DATA / "vtm91-8x8.bin")))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        paths.append(path)
    return paths[0], paths[1], log
