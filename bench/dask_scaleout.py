"""Dask scale-out: wall time of a 2-worker Dask run against a 1-worker local run of the same grid.

    .venv/bin/python bench/dask_scaleout.py [--dataset DIR] [--codec jpeg] [--workers 2] [--images 24]

Runs ``oodnic run`` twice, in one go, on the same classic-codec grid: first
``--executor local --workers 1`` (the baseline), then ``--executor dask
--workers N`` (a LocalCluster of N processes, started inside the timed run:
its start-up is part of the cost). Prints both wall times and the speedup
(target >= 1.6 for 2 workers on 2 free cores) and checks both runs wrote the
same rows. The dataset is Kodak (OODNIC_KODAK_DIR or ../shared/datasets/kodak)
or, where it is absent, the offline ``sample`` set; corruptions are the cheap
ImageNet-C ones when the imagenet-c plugin is installed. Only the plugins the
grid uses are loaded (``OODNIC_PLUGINS``), in the driver and in every worker.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from oodnic_platform import get_registry

ROOT = Path(__file__).resolve().parent.parent
CHEAP_CORRUPTIONS = ("gaussian_noise", "brightness", "contrast", "pixelate")
TIMING = ("encode_s", "decode_s")


def default_dataset() -> str:
    for candidate in (os.environ.get("OODNIC_KODAK_DIR"), ROOT.parent / "shared" / "datasets" / "kodak"):
        if candidate and Path(candidate).is_dir():
            return str(candidate)
    return "sample"


def timed_run(args: argparse.Namespace, run_dir: Path, executor: str, workers: int, corruptions: list[str],
              plugins: str) -> float:
    cmd = [str(Path(sys.executable).parent / "oodnic"), "run", "--dataset", args.dataset, "--run-dir", str(run_dir),
           "--codec", args.codec, "--executor", executor, "--workers", str(workers), "--metric", "psnr",
           "--metric", "ms_ssim", "--severity", "3", "--device", "cpu", "--no-progress"]
    cmd += [x for name in corruptions for x in ("--corruption", name)] or ["--corruption", "none"]
    if args.images:
        cmd += ["--images", str(args.images)]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "OODNIC_PLUGINS": plugins})
    return time.perf_counter() - start


def rows(run_dir: Path) -> list[tuple]:
    conn = sqlite3.connect(run_dir / "results.sqlite")
    names = [r[1] for r in conn.execute("PRAGMA table_info(results)") if r[1] not in TIMING]
    quoted = ", ".join(f'"{n}"' for n in names)
    out = conn.execute(f"SELECT {quoted} FROM results ORDER BY key").fetchall()
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=default_dataset())
    parser.add_argument("--codec", default="jpeg")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--images", type=int, default=0, help="first N images only (0: all)")
    args = parser.parse_args()
    registry = get_registry()
    if args.codec not in registry.codecs:
        sys.exit(f"codec {args.codec!r} is not installed (installed: {', '.join(sorted(registry.codecs))})")
    corruptions = [c for c in CHEAP_CORRUPTIONS if c in registry.corruptions]
    # only the plugins the grid uses load, in the driver and in every worker
    plugins = ",".join(sorted({registry.owners[f"codec {args.codec}"], "dask",
                               *(registry.owners[f"corruption {c}"] for c in corruptions)}))
    print(f"grid: {args.codec} on {args.dataset}, clean + {', '.join(corruptions) or 'no corruption'} (severity 3),"
          f" {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        local = timed_run(args, Path(tmp) / "local", "local", 1, corruptions, plugins)
        print(f"local, 1 worker:        {local:7.1f} s", flush=True)
        dask = timed_run(args, Path(tmp) / "dask", "dask", args.workers, corruptions, plugins)
        print(f"dask, {args.workers} workers (LocalCluster): {dask:7.1f} s")
        same = rows(Path(tmp) / "local") == rows(Path(tmp) / "dask")
    print(f"speedup: {local / dask:.2f} (target >= 1.6); same rows: {same}")


if __name__ == "__main__":
    main()
