"""Stand-ins for bpgenc / bpgdec that test the subprocess plumbing, not BPG.

The fake bpgenc logs its argv and copies the input PNG as the "bitstream"; the
fake bpgdec turns that PNG into the PPM the real one writes. ``FAKE_BPG_SLEEP``
makes them hang, ``FAKE_BPG_FAIL`` makes them fail like the real tools do,
``FAKE_BPG_NO_OUTPUT`` makes them exit 0 without writing their output.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

SCRIPT = '''#!{python}
import json, os, sys, time
from PIL import Image
args = sys.argv[1:]
if args == ["-h"]:
    print("BPG Image {kind} version 0.9.8-fake")
    print("-e encoder           select the HEVC encoder (x265, jctvc, default = x265)")
    print("-b bit_depth         set the bit depth (8 to 12, default = 8)")
    sys.exit(1)
with open({log!r}, "a") as log:
    log.write(json.dumps(sys.argv) + "\\n")
if os.environ.get("FAKE_BPG_SLEEP"):
    time.sleep(float(os.environ["FAKE_BPG_SLEEP"]))
if os.environ.get("FAKE_BPG_FAIL"):
    sys.stderr.write("Could not read input\\nsecond line\\n")
    sys.exit(2)
if os.environ.get("FAKE_BPG_NO_OUTPUT"):
    sys.exit(0)
target = args[args.index("-o") + 1]
Image.open(args[-1]).save(target, format="{format}")
'''


def write_fake_tools(folder: Path) -> tuple[Path, Path, Path]:
    """Create fake ``bpgenc`` and ``bpgdec`` in ``folder``; return their paths and the argv log."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "argv.jsonl"
    paths = []
    for name, kind, fmt in (("bpgenc", "Encoder", "PNG"), ("bpgdec", "Decoder", "PPM")):
        path = folder / name
        path.write_text(SCRIPT.format(python=sys.executable, kind=kind, log=str(log), format=fmt))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        paths.append(path)
    return paths[0], paths[1], log
