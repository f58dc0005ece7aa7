"""End to end on a real cluster: ``dask scheduler`` and ``dask worker`` subprocesses on 127.0.0.1."""

from __future__ import annotations

import signal
import socket
import time

import numpy as np
import pytest
from PIL import Image
from dask_fixture_plugin import pixels_id
from dask_testing import CONFIG, GRID_ROWS, IMAGES, Cluster, assert_same_table, finished_rows, oodnic_run, table, wait_for

from oodnic_platform import CodecChoice, RunConfig, run_grid
from oodnic_platform.results import open_run
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


def test_a_worker_missing_a_plugin_is_left_out_and_the_others_finish(cluster, grid_config, fixture_env,
                                                                      reference_run, tmp_path):
    broken = cluster.start_worker("broken", OODNIC_DISABLE_PLUGINS="dasktestfixture")
    try:
        done = oodnic_run(grid_config, tmp_path / "run", fixture_env, "--executor", "dask",
                          "--scheduler", cluster.address)
    finally:
        cluster.stop_worker("broken", broken)
    assert done.returncode == 0, done.stderr
    (warning,) = [line for line in done.stderr.splitlines() if "Dask workers" in line]
    assert warning.startswith("oodnic: warning: 1 of 2 Dask workers cannot run this grid and are left out, "
                              "the others go on")
    assert "(broken) lacks codec 'dquant' (from oodnic-dask-test-fixture 0.0.0 on the driver)" in warning
    assert "lacks corruption 'dnoise'" in warning and "lacks metric 'dmean'" in warning
    assert_same_table(tmp_path / "run", reference_run)


def test_a_cluster_where_no_worker_has_the_plugins_is_one_line(grid_config, fixture_env, tmp_path):
    lacking = Cluster(tmp_path, fixture_env)
    try:
        lacking.start_worker("broken", OODNIC_DISABLE_PLUGINS="dasktestfixture")
        done = oodnic_run(grid_config, tmp_path / "run", fixture_env, "--executor", "dask",
                          "--scheduler", lacking.address)
    finally:
        lacking.close()
    assert done.returncode == 2, done.stderr
    error = done.stderr.strip().splitlines()[-1]
    assert error.startswith("oodnic: error: executor dask: 1 of 1 Dask workers cannot run this grid") or \
        error.startswith("oodnic: error: 1 of 1 Dask workers cannot run this grid"), error
    assert "(broken) lacks codec 'dquant'" in error and finished_rows(tmp_path / "run") == 0


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


class Recording(DaskExecutor):
    """The dask executor, recording every row count it reports to the driver's progress bar."""

    reported: list[int] = []

    def run(self, spec, chunks):
        bar = self.progress
        self.progress = lambda rows: (self.reported.append(rows), bar(rows))
        yield from super().run(spec, chunks)


def run_in_process(registry, run_dir, scheduler: str, **grid) -> list[dict]:
    """``oodnic run`` in this process (through the public API) on the cluster: every row, errors included."""
    config = RunConfig(dataset="sample", run_dir=str(run_dir), device="cpu", executor="dask",
                       executor_options={"scheduler": scheduler}, corruptions=[], metrics=["bpp"], **grid)
    run_grid(config, registry, progress=False)
    with open_run(run_dir) as run:
        return run.rows(status=None)


def run_mixed(cluster, registry, run_dir) -> list[dict]:
    """One classic (dquant) and one declared-neural (gquant, recording its coder_pid) codec on clean images."""
    rows = run_in_process(registry, run_dir, cluster.address,
                          codecs=[CodecChoice("dquant", [2, 6]), CodecChoice("gquant", [2, 6])])
    assert len(rows) == 12 and all(row["status"] == "ok" for row in rows), rows
    return rows


def test_neural_codecs_go_to_gpu_workers(cluster, fixture_registry, tmp_path):
    gpu = cluster.start_worker("gpu", resources="GPU=1")
    try:
        rows = run_mixed(cluster, fixture_registry, tmp_path / "run")
    finally:
        cluster.stop_worker("gpu", gpu)
    assert {row["coder_pid"] for row in rows if row["codec"] == "gquant"} == {gpu.pid}


def test_neural_codecs_run_anywhere_without_gpu_workers(cluster, fixture_registry, tmp_path):
    with pytest.warns(RuntimeWarning, match=r"no Dask worker offers the GPU resource: neural codecs \(gquant\)"):
        rows = run_mixed(cluster, fixture_registry, tmp_path / "run")
    assert {row["codec"] for row in rows} == {"dquant", "gquant"}


def test_workers_report_each_row_as_it_finishes(cluster, fixture_registry, tmp_path, monkeypatch):
    """Per-row progress from remote workers: one report per row, each row counted once."""
    monkeypatch.setitem(fixture_registry.executors, "dask", Recording)
    Recording.reported = []
    rows = run_in_process(fixture_registry, tmp_path / "run", cluster.address, codecs=[CodecChoice("dquant")],
                          images_per_chunk=0)
    assert len(rows) == 9 and all(row["status"] == "ok" for row in rows)
    assert Recording.reported == [1] * 9


def test_a_chunk_that_kills_its_workers_becomes_error_rows(fixture_env, fixture_registry, reference_run, tmp_path):
    """One image kills every worker that codes it: its rows fail with the reason, the other images' rows stand."""
    culprit = next(ref for ref in fixture_registry.datasets["sample"]().images() if ref.name == "chelsea.png")
    config = tmp_path / "clean.toml"
    config.write_text(CONFIG.replace('corruptions = ["dnoise"]', "corruptions = []").replace(
        "images_per_chunk = 1", "images_per_chunk = 0"))  # one chunk: 3 images x 3 qualities
    env = {**fixture_env, "OODNIC_DASK_TEST_KILL": pixels_id(culprit.load(2**28)),
           "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}  # Dask gives up on a task at its first death
    # one worker: the other images' pieces wait on it while it dies, and must not be blamed
    done = oodnic_run(config, tmp_path / "run", env, "--executor", "dask", "--workers", "1")
    assert done.returncode == 1, done.stderr
    rows, groups = table(tmp_path / "run")
    failed = [row for row in rows if row["status"] != "ok"]
    assert {row["image"] for row in failed} == {"chelsea.png"} and len(failed) == 3 and len(rows) == 9
    for row in failed:
        assert row["error"].startswith("worker died 1 time while coding this chunk (image chelsea.png x dquant "
                                       "on clean; last on tcp://127.0.0.1:"), row["error"]
        assert "\n" not in row["error"] and "on 1 different workers" in row["traceback"]
        assert row["codec_version"] == "1.0" and row["quality"] in (2, 4, 6)
    reference = {row["key"]: row for row in table(reference_run)[0]}
    assert all(row == reference[row["key"]] for row in rows if row["status"] == "ok")
    assert sorted((count, complete) for count, complete, _ in groups.values()) == [(2, False)] * 3
    assert "3 of 9 rows failed; first error: worker died 1 time while" in done.stderr


def test_an_unreachable_scheduler_fails_in_seconds(grid_config, fixture_env, tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.monotonic()
    done = oodnic_run(grid_config, tmp_path / "run", fixture_env, "--executor", "dask",
                      "--scheduler", f"tcp://127.0.0.1:{port}")
    elapsed = time.monotonic() - start
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr == (f"oodnic: error: executor dask: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"
                           f" (nothing listens at 127.0.0.1:{port}): is it running, and is the address right?\n")
    assert not (tmp_path / "run").exists()
    assert elapsed < 20, elapsed  # it waited 30 s for the connection alone


def test_a_rate_matched_run_on_the_cluster_equals_a_local_one(cluster, grid_config, fixture_env, tmp_path):
    """Rate matching runs its probe rounds through the executor: the cluster codes the same probes and matches."""
    local = oodnic_run(grid_config, tmp_path / "local", fixture_env, "--target-bpp", "2,5")
    remote = oodnic_run(grid_config, tmp_path / "dask", fixture_env, "--target-bpp", "2,5", "--executor", "dask",
                        "--scheduler", cluster.address)
    assert local.returncode == 0 and remote.returncode == 0, local.stderr + remote.stderr
    assert table(tmp_path / "dask")[0] == table(tmp_path / "local")[0]
    matches = []
    for run_dir in (tmp_path / "local", tmp_path / "dask"):
        with open_run(run_dir) as results:
            matches.append(list(results.rate_matches()))
    assert matches[0] == matches[1] and len(matches[0]) == IMAGES * 3 * 2  # images x inputs x targets


def test_losing_the_scheduler_is_one_line_and_the_rows_stay(grid_config, fixture_env, tmp_path):
    doomed = Cluster(tmp_path, fixture_env)
    try:
        doomed.start_worker("slow", OODNIC_DASK_TEST_SLEEP="0.3")
        driver = oodnic_run(grid_config, tmp_path / "run", fixture_env, "--executor", "dask",
                            "--scheduler", doomed.address, wait=False)
        wait_for(lambda: finished_rows(tmp_path / "run") > 0 or driver.poll() is not None, "the first chunk")
        doomed.procs[0].send_signal(signal.SIGKILL)  # the scheduler
        _, err = driver.communicate(timeout=240)
    finally:
        doomed.close()
    assert driver.returncode == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oodnic: error: ") and "scheduler" in lines[0], err
    assert 0 < finished_rows(tmp_path / "run") < GRID_ROWS


def test_a_worker_joining_late_without_a_plugin_is_left_out(grid_config, fixture_env, reference_run, tmp_path):
    """It joins after the check; the chunks it takes come back as setup failures and go to the others."""
    late = Cluster(tmp_path, fixture_env)
    try:
        first = late.start_worker("first", OODNIC_DASK_TEST_SLEEP="0.2")
        driver = oodnic_run(grid_config, tmp_path / "run", fixture_env, "--executor", "dask",
                            "--scheduler", late.address, wait=False)
        wait_for(lambda: finished_rows(tmp_path / "run") > 0 or driver.poll() is not None, "the first chunk")
        late.start_worker("broken", OODNIC_DISABLE_PLUGINS="dasktestfixture")
        late.start_worker("second")
        late.stop_worker("first", first)  # its queued chunks go to the two that joined late
        out, err = driver.communicate(timeout=240)
    finally:
        late.close()
    assert driver.returncode == 0, err
    warnings = [line for line in err.splitlines() if "left out" in line]
    assert len(warnings) == 1 and "(broken" in warnings[0] and "lacks codec 'dquant'" in warnings[0], err
    assert warnings[0].endswith("left out, the other workers go on (every worker needs the core and the same "
                                "plugins, at the same versions, as the driver)")
    assert_same_table(tmp_path / "run", reference_run)


def test_the_driver_says_what_it_waits_for(fixture_env, tmp_path):
    config = tmp_path / "grid.toml"
    config.write_text(f'executor = "dask"\n{CONFIG}\n[executor_options]\nwait_for_workers = 2\n')
    missing = oodnic_run(config, tmp_path / "run", fixture_env, "--scheduler-file", str(tmp_path / "s.json"))
    assert missing.returncode == 2, missing.stderr
    assert missing.stderr.splitlines() == [
        f"oodnic: waiting up to 2 s for the Dask scheduler file {tmp_path / 's.json'}",
        f"oodnic: error: executor dask: no Dask scheduler file {tmp_path / 's.json'} within 2 s: is the "
        f"scheduler's job running?"]
    empty = Cluster(tmp_path, fixture_env)  # a scheduler without workers
    try:
        alone = oodnic_run(config, tmp_path / "run", fixture_env, "--scheduler-file", str(tmp_path / "scheduler.json"))
    finally:
        empty.close()
    assert alone.returncode == 2, alone.stderr
    waiting, error = alone.stderr.splitlines()
    assert waiting == f"oodnic: waiting up to 2 s for Dask workers at {empty.address}"
    assert error.startswith("oodnic: error: executor dask: no Dask worker joined the scheduler at ")
    assert not (tmp_path / "run").exists()
