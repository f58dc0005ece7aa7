"""Results you can trust: a result's identity is everything that can change it, and every sum counts each row once."""

from __future__ import annotations

import subprocess
import time

import numpy as np
import pytest

from oodnic_platform.config import CodecChoice, RunConfig
from oodnic_platform.results import open_run
from oodnic_platform.runner import run
from oodnic_testing import OODNIC, fixture_environ, oodnic, rows_of


def config(tmp_path, **overrides) -> RunConfig:
    values = dict(dataset="sample", run_dir=str(tmp_path / "run"), severities=[1], images=2, workers=1,
                  codecs=[CodecChoice("quant", [3, 6])], metrics=["all"])
    values.update(overrides)
    return RunConfig(**values)


def counts(run_dir) -> dict[tuple, int]:
    """(codec, quality, corruption, severity, metric settings) -> rows summed in that group's arrays."""
    with open_run(run_dir) as results:
        return {(g.meta["codec"], g.meta["quality"], g.meta["corruption"], g.meta["severity"],
                 str(g.meta["metric_settings"])): int(g.load()["count"]) for g in results.arrays("mean_abs_error")}


def test_a_metric_setting_gives_its_own_arrays_labelled_with_it(fixture_plugins, tmp_path):
    run(config(tmp_path), progress=False)
    second = run(config(tmp_path, metrics=["all", "mean_abs_error:crop=8"]), progress=False)
    assert second.skipped == 0  # the rows' metric values had another identity: computed again
    with open_run(second.run_dir) as results:
        groups = results.arrays("mean_abs_error")
    by_crop = {}
    for group in groups:
        by_crop.setdefault(group.metadata()["crop"], []).append(group)
        assert group.meta["metric_settings"] == {"crop": group.metadata()["crop"]}
    assert sorted(by_crop) == [8, 16] and len(by_crop[8]) == len(by_crop[16]) == 2 * 2
    assert {g.load()["mean"].shape for g in by_crop[8]} == {(8, 8, 3)}
    assert set(counts(second.run_dir).values()) == {2}


def test_retraining_weights_in_place_recomputes_and_supersedes_their_rows(fixture_plugins, tmp_path):
    """New weights at the same path: their rows are computed and replace the old ones in every reader (rows and
    the arrays summing them); the old weights back make the old rows current again, computing nothing."""
    weights = tmp_path / "offset.weights"
    weights.write_text("0")
    cfg = lambda: config(tmp_path, codecs=[CodecChoice("offset", None, {"weights": str(weights)})], corruptions=[],
                         metrics=["psnr", "mean_abs_error"])

    def current() -> tuple[dict[str, float], set[float]]:
        with open_run(tmp_path / "run") as results:
            psnr = {r["image"]: r["psnr"] for r in results.rows()}
            means = {round(float(g.load()["mean"].mean()), 6) for g in results.arrays("mean_abs_error")}
        return psnr, means

    first = run(cfg(), progress=False)
    before, means = current()
    assert set(before.values()) == {float("inf")} and means == {0.0}
    weights.write_text("3")  # same path, new contents
    second = run(cfg(), progress=False)
    assert second.skipped == 0
    after, means = current()
    assert all(np.isfinite(v) for v in after.values()) and after.keys() == before.keys() and means == {3.0}
    with open_run(tmp_path / "run") as results:
        old = [r for r in results.rows(superseded=True) if r["superseded_by"]]
        assert {r["key"] for r in old} == set(first.keys) and {r["superseded_by"] for r in old} == set(second.keys)
        assert len(results.arrays("mean_abs_error", superseded=True)) == 2
    assert run(cfg(), progress=False).skipped == second.total
    weights.write_text("0")
    assert run(cfg(), progress=False).skipped == first.total
    assert current() == (before, {0.0})


def test_a_repeated_codec_and_quality_collapse_before_planning(fixture_plugins, tmp_path):
    cfg = config(tmp_path, codecs=[CodecChoice("quant", [4, 4]), CodecChoice("quant", [4])])
    outcome = run(cfg, progress=False)
    assert (outcome.total, outcome.collapsed) == (2 * 2, 2)
    assert len(rows_of(outcome.run_dir)) == 4
    assert set(counts(outcome.run_dir).values()) == {2}


def test_two_concurrent_runs_on_one_folder_count_every_image_once(tmp_path):
    env = fixture_environ(OODNIC_TEST_SLOW="0.05")
    args = ["run", "--dataset", "sample", "--codec", "quant", "--severity", "1", "--run-dir", str(tmp_path / "run"),
            "--no-progress", "--workers", "1"]
    first = subprocess.Popen([*OODNIC, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not (tmp_path / "run" / "results.sqlite").exists() and time.time() < deadline:
        time.sleep(0.05)
    second = oodnic(*args, env=env)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 2
    assert second.stderr.startswith("oodnic: error: run folder") and "in use by oodnic run (pid" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    again = oodnic(*args, env=env)
    assert again.returncode == 0 and "18 rows (18 already done)" in again.stdout, again.stdout
    assert set(counts(tmp_path / "run").values()) == {3}  # the sample set's three images, each once


@pytest.mark.parametrize("args, message", [
    (["--images", "-1"], "--images must be 0 (all) or a positive count, not -1"),
    (["--workers", "0"], "--workers must be at least 1"),
    (["--codec", "quant", "--quality", "quant=1000"], "quant quality must be in 1..8, not 1000"),
    (["--codec", "quant", "--quality", "-5"], "quant quality must be in 1..8, not -5"),
    (["--codec", "quant:fail_on=1,speed=3"], "has no setting speed"),
    (["--dataset-option", "geometry=round"], "geometry must be one of as-is, paper"),
])
def test_mistakes_are_one_line_exit_2_and_create_nothing(tmp_path, args, message):
    run_dir = tmp_path / "never"
    result = oodnic("run", "--no-progress", "--run-dir", str(run_dir), *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"oodnic: error: {result.stderr.removeprefix('oodnic: error: ')}"
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not run_dir.exists()


def test_unusable_run_folders_and_export_targets_are_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for run_dir, message in [(blocker / "run", "is a file"), (tmp_path / "file", "is a file"),
                             ("/proc/oodnic-run", "cannot use run folder /proc/oodnic-run")]:
        result = oodnic("run", "--no-progress", "--codec", "quant", "--run-dir", str(run_dir))
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    done = oodnic("run", "--no-progress", "--codec", "quant", "--corruption", "none", "--images", "1",
                  "--run-dir", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr
    for out, fmt, message in [("/proc/oodnic.csv", "csv", "not writable"), (str(tmp_path), "csv", "is a folder"),
                              (str(blocker), "json", "a file is in the way"),
                              (str(tmp_path / "missing" / "x.csv"), "csv", "does not exist")]:
        result = oodnic("export", str(tmp_path / "run"), "--format", fmt, "--out", out)
        assert result.returncode == 2 and message in result.stderr, (out, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1


def test_wrong_toml_types_are_named(tmp_path):
    for line, message in [('corruptions = "gaussian_noise"', "corruptions must be a list of strings"),
                          ('workers = "two"', "workers must be an integer, not 'two'"),
                          ("severities = [1, 2.5]", "each of severities must be an integer"),
                          ("clean = 1", "clean must be true/false")]:
        path = tmp_path / "grid.toml"
        path.write_text(line + "\n")
        result = oodnic("run", "--no-progress", "--config", str(path), "--run-dir", str(tmp_path / "never"))
        assert result.returncode == 2 and message in result.stderr, (line, result.stderr)
    assert not (tmp_path / "never").exists()


def test_qualities_that_write_identical_bitstreams_are_warned_about(tmp_path):
    weights = tmp_path / "offset.weights"
    weights.write_text("1")
    result = oodnic("run", "--no-progress", "--codec", f"offset:weights={weights}", "--quality", "1,2,3",
                    "--corruption", "none", "--images", "2", "--run-dir", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert ("oodnic: warning: codec offset: qualities 1, 2, 3 wrote identical bitstreams for 2 input(s): the quality "
            "may not change the rate (a fixed-rate model?)") in result.stderr


def test_a_store_of_another_schema_is_refused_with_one_line(tmp_path):
    import sqlite3

    old = tmp_path / "old"
    old.mkdir()
    with sqlite3.connect(old / "results.sqlite") as conn:  # what oodnic-platform 0.1 wrote: no meta table
        conn.execute("CREATE TABLE results (key TEXT PRIMARY KEY, status TEXT)")
    for args in (["run", "--no-progress", "--codec", "quant", "--run-dir", str(old)], ["export", str(old)],
                 ["errors", str(old)]):
        result = oodnic(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "has results schema 1" in result.stderr and "new --run-dir" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_ctrl_c_says_how_to_resume_and_resuming_finishes(tmp_path):
    import signal

    env = fixture_environ(OODNIC_TEST_SLOW="0.2")
    args = ["run", "--dataset", "sample", "--codec", "quant", "--severity", "1", "--run-dir", str(tmp_path / "run"),
            "--no-progress", "--workers", "1"]
    process = subprocess.Popen([*OODNIC, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not (tmp_path / "run" / "samples").exists():
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1].startswith("interrupted by SIGINT: finished rows are saved; to resume, run: ")
    done = oodnic(*args, env=fixture_environ())
    assert done.returncode == 0 and "18 rows (" in done.stdout


def test_groups_summed_in_one_chunk_or_across_chunks_give_the_same_arrays(fixture_plugins, tmp_path):
    import sqlite3

    whole = run(config(tmp_path, run_dir=str(tmp_path / "whole"), images=3, images_per_chunk=0), progress=False)
    split = run(config(tmp_path, run_dir=str(tmp_path / "split"), images=3, images_per_chunk=1), progress=False)
    for outcome in (whole, split):
        with sqlite3.connect(outcome.run_dir / "results.sqlite") as conn:
            assert conn.execute("SELECT COUNT(*) FROM contributions").fetchone() == (0,)  # dropped once complete
    arrays = []
    for outcome in (whole, split):
        with open_run(outcome.run_dir) as results:
            arrays.append({g.group_id: (g.rows, g.complete, g.load()["mean"]) for g in results.arrays("mean_abs_error")})
    assert arrays[0].keys() == arrays[1].keys() and len(arrays[0]) == 2 * 2
    for gid, (rows, complete, mean) in arrays[0].items():
        assert (rows, complete) == (3, True) == arrays[1][gid][:2]
        np.testing.assert_allclose(mean, arrays[1][gid][2], rtol=1e-12)
