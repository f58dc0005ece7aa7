"""A Dask cluster of Slurm jobs for ``oodnic run --executor dask``: run it on the login node (inside tmux).

    python cluster.py --jobs 4 --scheduler-file ~/oodnic-scheduler.json [--partition cpu] [--venv /shared/.venv]
    python cluster.py --print-job-script         # the worker job's sbatch script, to check before submitting

Each job is one node of ``--cores`` single-threaded worker processes (chunks
run one at a time per process). The workers tune malloc themselves, so no Dask
configuration is needed on the nodes. The scheduler runs in this process and
writes its address to ``--scheduler-file``, which ``driver.sbatch`` waits for.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from dask_jobqueue import SLURMCluster


def make_cluster(partition: str, cores: int, memory: str, walltime: str, venv: str) -> SLURMCluster:
    """The cluster (its scheduler starts now; jobs are submitted by ``scale``)."""
    return SLURMCluster(queue=partition, cores=cores, processes=cores, memory=memory, walltime=walltime,
                        job_script_prologue=[f"source {venv}/bin/activate"],
                        scheduler_options={"dashboard_address": ":0"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=4, help="Slurm jobs (nodes) of workers")
    parser.add_argument("--partition", default="cpu")
    parser.add_argument("--cores", type=int, default=16, help="worker processes per job, one per core")
    parser.add_argument("--memory", default="64GB", help="memory per job")
    parser.add_argument("--walltime", default="04:00:00")
    parser.add_argument("--venv", default=os.environ.get("VIRTUAL_ENV", ".venv"), help="the shared environment")
    parser.add_argument("--scheduler-file", default=str(Path.home() / "oodnic-scheduler.json"))
    parser.add_argument("--print-job-script", action="store_true", help="print the worker job script and exit")
    args = parser.parse_args()
    cluster = make_cluster(args.partition, args.cores, args.memory, args.walltime, args.venv)
    if args.print_job_script:
        print(cluster.job_script())
        cluster.close()
        return
    cluster.scale(jobs=args.jobs)
    Path(args.scheduler_file).write_text(json.dumps({"address": cluster.scheduler_address}))
    print(f"scheduler at {cluster.scheduler_address}, written to {args.scheduler_file}; Ctrl-C ends the cluster")
    try:
        while True:
            time.sleep(60)
    finally:
        cluster.close()
        Path(args.scheduler_file).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
