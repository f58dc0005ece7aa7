"""Runner overhead: the same JPEG grid on Kodak through the platform and through a bare Pillow loop.

Prints, from one run on this machine:
  - the platform (1 worker) over the bare loop: target <= 1.15
  - the platform with 2 workers over 1 worker: target speedup >= 1.7

Both sides read the PNGs, encode and decode with Pillow at the same settings and
compute bpp, PSNR and MS-SSIM (the platform's default metrics, with the same
functions); the platform additionally writes every row to SQLite.
Only the jpeg plugin is loaded (``OODNIC_PLUGINS=jpeg``), as a user restricting
plugins would; ``--all-plugins`` loads every installed plugin instead, so worker
start-up includes importing them (torch and CompressAI among them).

    .venv/bin/python bench/runner_overhead.py [--kodak DIR] [--images N] [--repeat R] [--all-plugins]
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from oodnic_platform.config import CodecChoice, RunConfig
from oodnic_platform.quality import ms_ssim, psnr
from oodnic_platform.runner import run

QUALITIES = [3, 5, 10, 20, 30, 45, 60, 75, 85]


def bare_loop(paths: list[Path]) -> list[tuple[float, float, float]]:
    out = []
    for path in paths:
        image = np.asarray(Image.open(path).convert("RGB"))
        for quality in QUALITIES:
            buffer = io.BytesIO()
            Image.fromarray(image).save(buffer, format="JPEG", quality=quality, subsampling=2)
            data = buffer.getvalue()
            recon = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
            out.append((8 * len(data) / (image.shape[0] * image.shape[1]), psnr(image, recon), ms_ssim(image, recon)))
    return out


def platform(kodak: Path, images: int, workers: int, run_dir: Path) -> float:
    config = RunConfig(dataset="kodak", dataset_options={"path": str(kodak)}, run_dir=str(run_dir), corruptions=[],
                       codecs=[CodecChoice("jpeg", QUALITIES)], metrics=["psnr", "ms_ssim"], images=images, workers=workers,
                       images_per_chunk=1)
    start = time.perf_counter()
    outcome = run(config, progress=False)
    elapsed = time.perf_counter() - start
    assert outcome.failed == 0 and outcome.skipped == 0
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("OODNIC_KODAK_DIR") or Path(__file__).resolve().parents[2] / "shared/datasets/kodak"
    parser.add_argument("--kodak", type=Path, default=Path(default))
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=3, help="take the best of R timings of each side")
    parser.add_argument("--all-plugins", action="store_true", help="load every installed plugin, not only jpeg")
    args = parser.parse_args()
    if not args.all_plugins:
        os.environ["OODNIC_PLUGINS"] = "jpeg"
    if not (args.kodak / "kodim01.png").is_file():
        raise SystemExit(f"Kodak not found in {args.kodak}: pass --kodak or set OODNIC_KODAK_DIR")
    paths = sorted(args.kodak.glob("kodim*.png"))[: args.images]
    bare, one, two = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeat):
            start = time.perf_counter()
            bare_loop(paths)
            bare.append(time.perf_counter() - start)
            one.append(platform(args.kodak, args.images, 1, Path(tmp) / f"one{r}"))
            two.append(platform(args.kodak, args.images, 2, Path(tmp) / f"two{r}"))
    rows = len(paths) * len(QUALITIES)
    loaded = "every installed plugin" if args.all_plugins else "the jpeg plugin only"
    print(f"JPEG grid: {len(paths)} Kodak images x {len(QUALITIES)} qualities = {rows} rows; best of {args.repeat};"
          f" {loaded}")
    print(f"bare Pillow loop        {min(bare):7.2f} s")
    print(f"platform, 1 worker      {min(one):7.2f} s   overhead ratio {min(one) / min(bare):.3f}  (target <= 1.15)")
    print(f"platform, 2 workers     {min(two):7.2f} s   speedup over 1 worker {min(one) / min(two):.2f}  (target >= 1.7)")


if __name__ == "__main__":
    main()
