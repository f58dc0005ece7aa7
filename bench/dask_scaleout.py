"""Dask scale-out: wall time of a 2-worker Dask run against a 1-worker local run of the same grid.

    .venv/bin/python bench/dask_scaleout.py [--dataset DIR] [--codec jpeg] [--workers 2] [--images 6] [--control]

Runs ``oodnic run`` on the same classic-codec grid, in one go: first
``--executor local --workers 1`` (the baseline), then ``--executor dask
--workers N`` (a LocalCluster of N processes, started inside the timed run:
its start-up is part of the cost). Prints wall and CPU seconds (driver plus
workers) of each, the speedup (target >= 1.6 for 2 workers on 2 free cores)
and Dask's extra CPU, and checks both runs wrote the same rows. ``--control``
adds the local executor's process pool with as many workers: on a shared box
whose cores are busy, neither speeds up, and the CPU seconds still show
Dask's overhead. The dataset is Kodak (OODNIC_KODAK_DIR or
../shared/datasets/kodak) or, where it is absent, the offline ``sample``
set; corruptions are the cheap ImageNet-C ones when the imagenet-c plugin is
installed. Only the plugins the grid uses are loaded (``OODNIC_PLUGINS``),
in the driver and in every worker.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from oodnic_platform import get_registry
from oodnic_platform.results import TIMING_COLUMNS, open_run

ROOT = Path(__file__).resolve().parent.parent
CHEAP_CORRUPTIONS = ("gaussian_noise", "brightness", "contrast", "pixelate")


def default_dataset() -> str:
    for candidate in (os.environ.get("OODNIC_KODAK_DIR"), ROOT.parent / "shared" / "datasets" / "kodak"):
        if candidate and Path(candidate).is_dir():
            return str(candidate)
    return "sample"


def write_config(args: argparse.Namespace, corruptions: list[str], path: Path) -> Path:
    """The grid as a TOML run configuration (small chunks, so both workers stay busy to the end)."""
    lines = [
        f"dataset = {json.dumps(args.dataset)}",
        'device = "cpu"',
        f"images = {args.images}",
        f"images_per_chunk = {args.images_per_chunk}",
        f"corruptions = {json.dumps(corruptions)}",
        "severities = [3]",
        'metrics = ["psnr", "ms_ssim"]',
        f"codecs = [{json.dumps(args.codec)}]",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def timed_run(config: Path, run_dir: Path, executor: str, workers: int, plugins: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the driver and all its worker processes)."""
    cmd = [str(Path(sys.executable).parent / "oodnic"), "run", "--config", str(config), "--run-dir", str(run_dir),
           "--executor", executor, "--workers", str(workers), "--no-progress"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "OODNIC_PLUGINS": plugins})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def rows(run_dir: Path) -> list[dict]:
    """Every row of a run (timings left out), in key order."""
    with open_run(run_dir) as run:
        found = [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in run.rows(status=None)]
    return sorted(found, key=lambda row: row["key"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=default_dataset())
    parser.add_argument("--codec", default="jpeg")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--images", type=int, default=6, help="first N images only (0: all)")
    parser.add_argument("--images-per-chunk", type=int, default=2)
    parser.add_argument("--control", action="store_true",
                        help="also time the local executor with the same workers (what the machine allows now)")
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
        config = write_config(args, corruptions, Path(tmp) / "grid.toml")
        local, local_cpu = timed_run(config, Path(tmp) / "local", "local", 1, plugins)
        print(f"local, 1 worker:   {local:7.1f} s wall {local_cpu:7.1f} s CPU", flush=True)
        dask, dask_cpu = timed_run(config, Path(tmp) / "dask", "dask", args.workers, plugins)
        print(f"dask, {args.workers} workers:  {dask:7.1f} s wall {dask_cpu:7.1f} s CPU"
              f"  (LocalCluster start-up included)", flush=True)
        if args.control:
            pool, pool_cpu = timed_run(config, Path(tmp) / "pool", "local", args.workers, plugins)
            print(f"local, {args.workers} workers: {pool:7.1f} s wall {pool_cpu:7.1f} s CPU"
                  f"  (control: the core's process pool, speedup {local / pool:.2f})")
        local_rows, dask_rows = rows(Path(tmp) / "local"), rows(Path(tmp) / "dask")
    print(f"{len(local_rows)} rows, same in both: {local_rows == dask_rows}; Dask's extra CPU:"
          f" {100 * (dask_cpu / local_cpu - 1):+.0f} %")
    print(f"speedup: {local / dask:.2f} (target >= 1.6)")

if __name__ == "__main__":
    main()
