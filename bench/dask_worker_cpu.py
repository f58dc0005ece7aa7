"""CPU of a Dask run on workers started with ``dask worker`` (their nanny's default environment) against the
local process pool, on the same grid, in one go.

    .venv/bin/python bench/dask_worker_cpu.py [--dataset DIR] [--images 3]

Starts ``dask scheduler`` and two ``dask worker`` processes as a user would
(one thread each, with a nanny: which sets ``MALLOC_TRIM_THRESHOLD_=65536``
in its worker), then runs the same grid (clean + gaussian_noise, PSNR and
MS-SSIM: the numpy-heavy metric that suffers from the nanny's malloc setting)
with ``--executor local --workers 2`` and ``--executor dask --scheduler ADDR``.
Prints CPU seconds of each side: the driver and its pool for the local run;
the driver plus the two workers (and their nannies) for the Dask run, read
from the processes before and after; and checks both wrote the same rows.
The idle workers' CPU per second (Dask's heartbeats, memory monitors and
profiler), watched for 10 s before the Dask run, says how much of the
difference grows with wall time (a loaded machine stretches it) rather than
with rows. Only the plugins the grid uses load (``OODNIC_PLUGINS``), in the driver and
in the workers, so plugin imports weigh the same on both sides.
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

import psutil

from oodnic_platform.results import TIMING_COLUMNS, open_run

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: seconds the idle workers are watched: what Dask's heartbeats, monitors and profiler cost per second
IDLE = 10.0
ENV = {**os.environ, "OODNIC_PLUGINS": "jpeg,imagenet-c,dask"}


def default_dataset() -> str:
    for candidate in (os.environ.get("OODNIC_KODAK_DIR"), ROOT.parent / "shared" / "datasets" / "kodak"):
        if candidate and Path(candidate).is_dir():
            return str(candidate)
    return "sample"


def cpu_of(procs: list[psutil.Process]) -> float:
    """User + system CPU seconds of processes and their live children."""
    total = 0.0
    for proc in procs:
        for each in [proc, *proc.children(recursive=True)]:
            times = each.cpu_times()
            total += times.user + times.system
    return total


def driver(config: Path, run_dir: Path, *args: str) -> tuple[float, float]:
    """Wall and CPU seconds of one ``oodnic run`` (the driver and the processes it waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(BIN / "oodnic"), "run", "--config", str(config), "--run-dir", str(run_dir), "--no-progress",
                    *args], check=True, stdout=subprocess.DEVNULL, env=ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def rows(run_dir: Path) -> list[dict]:
    with open_run(run_dir) as run:
        return sorted(({k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in run.rows(status=None)),
                      key=lambda r: r["key"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=default_dataset())
    parser.add_argument("--images", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = tmp / "grid.toml"
        config.write_text("\n".join([f"dataset = {json.dumps(args.dataset)}", 'device = "cpu"', f"images = {args.images}",
                                     "images_per_chunk = 1", 'corruptions = ["gaussian_noise"]', "severities = [3]",
                                     'metrics = ["psnr", "ms_ssim"]', 'codecs = ["jpeg"]']) + "\n")
        scheduler_file = tmp / "scheduler.json"
        procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        try:
            while not scheduler_file.is_file():
                time.sleep(0.2)
            address = json.loads(scheduler_file.read_text())["address"]
            workers = [subprocess.Popen([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
                                         "--local-directory", str(tmp / f"w{i}")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV) for i in range(2)]
            procs += workers
            local_wall, local_cpu = driver(config, tmp / "local", "--executor", "local", "--workers", "2")
            watched = [psutil.Process(p.pid) for p in workers]
            idle_start = cpu_of(watched)
            time.sleep(IDLE)
            idle_rate = (cpu_of(watched) - idle_start) / IDLE
            before = cpu_of(watched)
            dask_wall, dask_driver = driver(config, tmp / "dask", "--executor", "dask", "--scheduler", address)
            dask_workers = cpu_of(watched) - before
        finally:
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(30)
        same = rows(tmp / "local") == rows(tmp / "dask")
        count = len(rows(tmp / "local"))
    dask_cpu = dask_driver + dask_workers
    print(f"grid: jpeg on {args.images} image(s) of {args.dataset}, clean + gaussian_noise/3, PSNR + MS-SSIM: "
          f"{count} rows, same rows in both: {same}")
    print(f"local pool, 2 workers:  {local_wall:6.1f} s wall {local_cpu:6.1f} s CPU (driver + pool)")
    print(f"dask worker x 2:        {dask_wall:6.1f} s wall {dask_cpu:6.1f} s CPU (driver {dask_driver:.1f} + "
          f"workers and nannies {dask_workers:.1f})")
    print(f"Dask / local CPU: {dask_cpu / local_cpu:.2f} (target <= 1.10); load average after: "
          f"{os.getloadavg()[0]:.1f}")
    idle = idle_rate * dask_wall
    print(f"idle workers cost {idle_rate:.3f} CPU-s per second: {idle:.1f} s of the Dask run's CPU; without it, "
          f"Dask / local CPU: {(dask_cpu - idle) / local_cpu:.2f}")


if __name__ == "__main__":
    main()
