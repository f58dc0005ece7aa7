"""End to end on a real cluster: ``dask scheduler`` and ``dask worker`` subprocesses on 127.0.0.1."""

from __future__ import annotations

import signal

import numpy as np
import pytest
from PIL import Image
from dask_testing import GRID_ROWS, assert_same_table, finished_rows, oodnic_run, wait_for

from oodnic_platform import Chunk, CodecSpec, Job, RunSpec
from oodnic_dask.executor import DaskExecutor


def test_run_survives_a_worker_killed_mid_chunk(cluster, grid_config, fixture_env, reference_run, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    victim = cluster.start_worker("victim", OODNIC_DASK_TEST_SLEEP="0.3", OODNIC_DASK_TEST_MARKS=str(marks))
    driver = oodnic_run(grid_config, tmp_path / "run", fixture_env, "--executor", "dask",
                        "--scheduler", cluster.address, wait=False)
    try:
        wait_for(lambda: (marks / str(victim.pid)).exists() or driver.poll() is not None, "the victim to start coding")
        assert driver.poll() is None, driver.communicate()
        victim.send_signal(signal.SIGKILL)
        out, err = driver.communicate(timeout=300)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert victim.wait(10) == -signal.SIGKILL
    assert driver.returncode == 0, err
    assert f"{GRID_ROWS} rows (0 already done)" in out
    assert_same_table(tmp_path / "run", reference_run)


def test_resume_a_local_run_on_dask(cluster, grid_config, fixture_env, reference_run, tmp_path):
    run_dir = tmp_path / "run"
    local = oodnic_run(grid_config, run_dir, {**fixture_env, "OODNIC_DASK_TEST_SLEEP": "0.1"}, wait=False)
    try:
        wait_for(lambda: finished_rows(run_dir) > 0 or local.poll() is not None, "the local run's first chunk")
        local.send_signal(signal.SIGINT)
        local.communicate(timeout=60)
    finally:
        if local.poll() is None:
            local.kill()
    done_locally = finished_rows(run_dir)
    assert local.returncode == 130 and 0 < done_locally < GRID_ROWS
    finished = oodnic_run(grid_config, run_dir, fixture_env, "--executor", "dask", "--scheduler", cluster.address)
    assert finished.returncode == 0, finished.stderr
    assert f"{GRID_ROWS} rows ({done_locally} already done)" in finished.stdout
    assert_same_table(run_dir, reference_run)


def test_a_worker_missing_a_plugin_is_named(cluster, grid_config, fixture_env, tmp_path):
    broken = cluster.start_worker("broken", OODNIC_DISABLE_PLUGINS="dasktestfixture")
    try:
        done = oodnic_run(grid_config, tmp_path / "run", fixture_env, "--executor", "dask",
                          "--scheduler", cluster.address)
    finally:
        cluster.stop_worker("broken", broken)
    assert done.returncode == 2, done.stderr
    error = done.stderr.strip().splitlines()[-1]
    assert "1 of 2 Dask workers cannot run this grid" in error
    assert "(broken) lacks codec 'dquant' (from oodnic-dask-test-fixture 0.0.0 on the driver)" in error
    assert "lacks corruption 'dnoise'" in error and "lacks metric 'dmean'" in error
    assert finished_rows(tmp_path / "run") == 0


def test_a_worker_that_cannot_open_the_dataset_is_named(cluster, grid_config, fixture_env, tmp_path):
    """A dataset path that exists for the driver but not on the workers (here: relative to another cwd)."""
    (tmp_path / "images").mkdir()
    Image.fromarray(np.full((32, 48, 3), 90, np.uint8)).save(tmp_path / "images" / "one.png")
    done = oodnic_run(grid_config, tmp_path / "run", fixture_env, "--dataset", "images", "--executor", "dask",
                      "--scheduler", cluster.address, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    error = done.stderr.strip().splitlines()[-1]
    assert f"worker {cluster.address.rpartition(':')[0]}:" in error
    assert "(steady, " in error and "cannot set up the run: DatasetError: no such dataset or folder: images" in error


def test_local_cluster_run_equals_local_run(grid_config, fixture_env, reference_run, tmp_path):
    done = oodnic_run(grid_config, tmp_path / "run", fixture_env, "--executor", "dask", "--workers", "2")
    assert done.returncode == 0, done.stderr
    assert_same_table(tmp_path / "run", reference_run)


def mixed_grid() -> tuple[RunSpec, list[Chunk]]:
    """One classic (dquant) and one declared-neural (gquant) codec over the clean sample images."""
    spec = RunSpec("sample", (), (CodecSpec("dquant"), CodecSpec("gquant")), ("bpp",), 0, "cpu")
    images = ("astronaut.png", "chelsea.png", "coffee.png")
    chunks = [Chunk("clean", 0, tuple(Job(f"{image}|{spec.codecs[c].name}|{q}", image, c, q) for c in (0, 1) for q in (2, 6)))
              for image in images]
    return spec, chunks


def run_mixed(cluster) -> tuple[dict[str, str], list[str]]:
    """Row key -> pid of the process that coded it, and the keys the chunks asked for."""
    spec, chunks = mixed_grid()
    coded_by = {}
    for result in DaskExecutor(scheduler=cluster.address).run(spec, chunks):
        for row in result.rows:
            assert row["status"] == "ok", row["error"]
            assert row["key"] not in coded_by
            coded_by[row["key"]] = result.worker.rpartition(":")[2]
    return coded_by, [job.key for chunk in chunks for job in chunk.jobs]


def test_neural_codecs_go_to_gpu_workers(cluster, fixture_registry):
    gpu = cluster.start_worker("gpu", resources="GPU=1")
    try:
        coded_by, keys = run_mixed(cluster)
    finally:
        cluster.stop_worker("gpu", gpu)
    assert sorted(coded_by) == sorted(keys)
    assert {pid for key, pid in coded_by.items() if "|gquant|" in key} == {str(gpu.pid)}


def test_neural_codecs_run_anywhere_without_gpu_workers(cluster, fixture_registry):
    with pytest.warns(RuntimeWarning, match=r"no Dask worker offers the GPU resource: neural codecs \(gquant\)"):
        coded_by, keys = run_mixed(cluster)
    assert sorted(coded_by) == sorted(keys)
