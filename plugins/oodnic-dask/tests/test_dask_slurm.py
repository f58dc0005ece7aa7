"""The Slurm recipe (``slurm/cluster.py``, ``slurm/driver.sbatch``) without Slurm: the worker job script that
dask-jobqueue generates, and the driver's batch script, both run with bash (``#SBATCH`` lines are comments)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from dask_testing import GRID_ROWS, assert_same_table

SLURM = Path(__file__).resolve().parent.parent / "slurm"
VENV = Path(sys.prefix)


@pytest.fixture
def cluster_module():
    pytest.importorskip("dask_jobqueue", reason="the Slurm recipe needs dask-jobqueue (pip install oodnic-dask[slurm])")
    spec = importlib.util.spec_from_file_location("oodnic_slurm_cluster", SLURM / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_worker_job_script_is_one_node_of_single_threaded_workers(cluster_module):
    cluster = cluster_module.make_cluster("cpu", 16, "64GB", "04:00:00", "/shared/oodnic/.venv")
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    for line in ("#SBATCH -p cpu", "#SBATCH --cpus-per-task=16", "#SBATCH -t 04:00:00",
                 "source /shared/oodnic/.venv/bin/activate"):
        assert line in script.splitlines(), script
    command = script.strip().splitlines()[-1]
    assert "-m distributed.cli.dask_worker tcp://" in command and "--nworkers 16" in command
    assert "--nthreads 1" in command and "--nanny" in command and "MALLOC" not in script


def test_the_recipe_runs_the_grid(cluster_module, grid_config, fixture_env, reference_run, tmp_path):
    """The generated worker job (one worker, with a nanny: Dask's default environment) and driver.sbatch."""
    cluster = cluster_module.make_cluster("cpu", 1, "4GB", "00:10:00", str(VENV))
    worker = None
    try:
        job = tmp_path / "worker.sh"
        job.write_text(cluster.job_script())
        worker = subprocess.Popen(["bash", str(job)], env=fixture_env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        scheduler_file = tmp_path / "scheduler.json"
        scheduler_file.write_text(json.dumps({"address": cluster.scheduler_address}))
        driver = subprocess.run(["bash", str(SLURM / "driver.sbatch")], capture_output=True, text=True, timeout=300,
                                env={**fixture_env, "OODNIC_VENV": str(VENV), "GRID": str(grid_config),
                                     "RUN_DIR": str(tmp_path / "run"), "SCHEDULER_FILE": str(scheduler_file)})
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)  # bash and the worker processes it started
            worker.wait(60)
        cluster.close()
    assert driver.returncode == 0, driver.stderr
    assert f"{GRID_ROWS} rows (0 already done)" in driver.stdout
    assert_same_table(tmp_path / "run", reference_run)
