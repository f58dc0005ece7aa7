"""Bundled neural codecs against JPEG 2000 (the paper's mode) and JPEG on clean Kodak: BD-rate and BD-PSNR.

    .venv/bin/python bench/nic_vs_jpeg2000.py [--codec oodnic-hp] [--codec oodnic-tiny] [--images 24] [--qualities 0,1,2,3]

Runs the command a user would type (``oodnic run --dataset kodak`` on the clean
images, PSNR only, into ``runs/bench-nic-vs-jpeg2000``; resumable), then reads
the rows through the public results API. Each curve is the mean bpp and mean
PSNR over the images at each quality (the paper's and CompressAI's convention);
the deltas are the report's Bjontegaard code (``oodnic_report.bjontegaard``,
piecewise cubic over the common interval, no extrapolation). Negative BD-rate /
positive BD-PSNR: the neural codec beats the anchor. Kodak comes from
OODNIC_KODAK_DIR or ../shared/datasets/kodak.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from oodnic_platform.results import open_run
from oodnic_report.bjontegaard import bd_psnr, bd_rate

ROOT = Path(__file__).resolve().parent.parent
ANCHORS = ("jpeg2000:mode=paper", "jpeg")


def curves(run_dir: Path) -> dict[str, list[tuple[float, float, float]]]:
    """codec label -> [(quality, mean bpp, mean PSNR)] sorted by bpp."""
    points: dict[tuple[str, float], list[tuple[float, float]]] = defaultdict(list)
    with open_run(run_dir) as run:
        for row in run.rows(corruption="clean"):
            if row["status"] == "ok" and row.get("psnr") is not None:
                label = row["codec"] + (":mode=paper" if row["codec"] == "jpeg2000" else "")
                points[(label, row["quality"])].append((row["bpp"], row["psnr"]))
    out: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for (label, quality), values in points.items():
        bpp, psnr = np.mean(values, axis=0)
        out[label].append((quality, float(bpp), float(psnr)))
    return {label: sorted(v, key=lambda p: p[1]) for label, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codec", action="append", help="neural codec (repeatable; default oodnic-hp, oodnic-tiny)")
    parser.add_argument("--images", type=int, default=0, help="first N Kodak images (0: all 24)")
    parser.add_argument("--qualities", help="the neural codecs' qualities the BD figures use, e.g. 0,1,2,3 (default: all)")
    parser.add_argument("--run-dir", type=Path, default=ROOT / "runs" / "bench-nic-vs-jpeg2000")
    args = parser.parse_args()
    kept = {float(q) for q in args.qualities.split(",")} if args.qualities else None
    codecs = args.codec or ["oodnic-hp", "oodnic-tiny"]
    command = [str(Path(sys.executable).with_name("oodnic")), "run", "--dataset", "kodak", "--corruption", "none",
               "--metric", "psnr", "--images", str(args.images), "--run-dir", str(args.run_dir), "--no-progress"]
    for codec in (*ANCHORS, *codecs):
        command += ["--codec", codec]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=os.environ)
    found = curves(args.run_dir)
    images = args.images or 24
    print(f"clean Kodak, {images} images, mean bpp / PSNR per quality; BD by oodnic_report.bjontegaard")
    for label, points in found.items():
        print(f"  {label:22s} " + "  ".join(f"{b:.3f}/{p:.2f}" for _, b, p in points))
    if kept is not None:
        print(f"BD figures use the neural codecs' qualities {args.qualities} only")
    print(f"{'codec':22s} {'anchor':22s} {'BD-rate %':>10s} {'BD-PSNR dB':>11s}  note")
    for codec in codecs:
        for anchor in ANCHORS:
            a, t = found.get(anchor), [p for p in found.get(codec, []) if kept is None or float(p[0]) in kept]
            if not a or not t:
                print(f"{codec:22s} {anchor:22s} {'n/a':>10s} {'n/a':>11s}  no rows")
                continue
            curve = ([p[1] for p in a], [p[2] for p in a], [p[1] for p in t], [p[2] for p in t])
            rate, psnr = bd_rate(*curve), bd_psnr(*curve)
            print(f"{codec:22s} {anchor:22s} {rate.value:+10.2f} {psnr.value:+11.3f}  {rate.note or psnr.note}")


if __name__ == "__main__":
    main()
