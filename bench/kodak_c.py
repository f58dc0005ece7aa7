"""Kodak-C end to end: ``oodnic corrupt`` as a user types it vs a bare imagecorruptions loop, in one run.

    .venv/bin/python bench/kodak_c.py [--images 24] [--workers N]

Platform: the whole command ``oodnic corrupt --dataset <kodak folder> --out DIR``
(process start, plugin loading, hashing, every corruption, PNG writing, the
manifest), default workers (one per core). Baseline: what a user would write
without the platform, in one process: read each image with Pillow, call
imagecorruptions 1.1.2's ``corrupt`` (shimmed for current libraries, see
``plugins/oodnic-imagenet-c/tests/imagenet_c_oracle.py``) for 15 corruptions x
5 severities, save each result with Pillow's default PNG settings. Both write
the same 24 x 75 images. What bounds the ratio: the slowest corruptions (glass
blur, zoom blur) and PNG encoding; the baseline uses one core, as that loop does.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from imagenet_c import load_oracle  # bench/imagenet_c.py: imagecorruptions 1.1.2 with its shims

ROOT = Path(__file__).resolve().parent.parent
CORRUPTIONS = ("gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur",
               "zoom_blur", "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate",
               "jpeg_compression")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def platform(images: Path, out: Path, workers: int | None) -> tuple[float, float]:
    command = [sys.executable, "-c", "from oodnic_platform.cli import main; main()", "corrupt", "--dataset",
               str(images), "--out", str(out)] + (["--workers", str(workers)] if workers else [])
    cpu, start = children_cpu(), time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start, children_cpu() - cpu


def baseline(paths: list[Path], out: Path, seed: int) -> tuple[float, float]:
    oracle = load_oracle()
    cpu, start = time.process_time(), time.perf_counter()
    for path in paths:
        image = np.asarray(Image.open(path).convert("RGB"))
        for name in CORRUPTIONS:
            for severity in range(1, 6):
                corrupted = oracle.corrupt(image, name, severity, seed)
                target = out / name / str(severity) / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                Image.fromarray(np.uint8(corrupted)).save(target)
        print(f"baseline: {path.name} done, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=24, help="first N Kodak images (default all 24)")
    parser.add_argument("--workers", type=int, help="oodnic corrupt --workers (default: its own, one per core)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kodak-dir", type=Path,
                        default=Path(os.environ.get("OODNIC_KODAK_DIR", ROOT.parent / "shared" / "datasets" / "kodak")))
    args = parser.parse_args()
    paths = sorted(args.kodak_dir.glob("kodim*.png"))[: args.images]
    if not paths:
        sys.exit(f"no kodim*.png in {args.kodak_dir}: pass --kodak-dir or set OODNIC_KODAK_DIR")
    with tempfile.TemporaryDirectory(prefix="oodnic-bench-") as tmp:
        subset = Path(tmp, "kodak")
        subset.mkdir()
        for path in paths:
            (subset / path.name).symlink_to(path)
        p_wall, p_cpu = platform(subset, Path(tmp, "platform"), args.workers)
        written = sum(1 for _ in Path(tmp, "platform").rglob("*.png")) - len(paths)
        b_wall, b_cpu = baseline(paths, Path(tmp, "baseline"), args.seed)
    load = os.getloadavg()[0]
    print(f"Kodak-C: {len(paths)} image(s) x 15 corruptions x 5 severities = {written} corrupted PNGs "
          f"({os.cpu_count()} cores, load {load:.1f})")
    print(f"{'':34s} {'wall s':>8s} {'CPU s':>8s}")
    print(f"{'oodnic corrupt (whole command)':34s} {p_wall:8.1f} {p_cpu:8.1f}")
    print(f"{'imagecorruptions loop, 1 process':34s} {b_wall:8.1f} {b_cpu:8.1f}")
    print(f"speed-up (wall): {b_wall / p_wall:.1f}x  (target >= 15x); CPU ratio {b_cpu / p_cpu:.1f}x")


if __name__ == "__main__":
    main()
