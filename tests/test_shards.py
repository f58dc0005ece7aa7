"""``--shard I/N`` and ``oodnic merge``: a grid split four ways and merged equals the single run, rows and arrays."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np

from oodnic_testing import oodnic, results_table

from oodnic_platform.results import open_run

GRID = ["run", "--no-progress", "--dataset", "sample", "--codec", "quant", "--severity", "1,2", "--workers", "1"]


def arrays_of(run_dir) -> dict[str, tuple[int, bool, dict[str, np.ndarray]]]:
    with open_run(run_dir) as run:
        return {g.group_id: (g.rows, g.complete, g.load()) for g in run.arrays("mean_abs_error")}


def test_four_shards_merged_equal_the_single_run_and_resume_computes_nothing(tmp_path):
    single = oodnic(*GRID, "--run-dir", str(tmp_path / "single"))
    assert single.returncode == 0 and "27 rows (0 already done)" in single.stdout, single.stderr
    shards = [tmp_path / f"shard{i}" for i in range(1, 5)]
    sizes = []
    for i, shard in enumerate(shards, 1):
        done = oodnic(*GRID, "--shard", f"{i}/4", "--run-dir", str(shard))
        assert done.returncode == 0, done.stderr
        sizes.append(len(results_table(shard)))
    assert sizes == [9, 6, 6, 6]  # 9 (input, quality) units of 3 images, dealt out in turn
    groups = [set(arrays_of(shard)) for shard in shards]
    assert all(groups) and sum(map(len, groups)) == len(set().union(*groups))  # every group in one shard, whole
    merged = oodnic("merge", *map(str, shards), "--into", str(tmp_path / "merged"))
    assert merged.returncode == 0, merged.stderr
    assert "27 rows and 9 array groups added" in merged.stdout
    assert results_table(tmp_path / "merged") == results_table(tmp_path / "single")
    want, got = arrays_of(tmp_path / "single"), arrays_of(tmp_path / "merged")
    assert got.keys() == want.keys() and len(got) == 9
    for gid, (rows, complete, arrays) in want.items():
        assert got[gid][:2] == (rows, complete) == (3, True)
        assert arrays.keys() == got[gid][2].keys()
        for name, array in arrays.items():
            np.testing.assert_array_equal(got[gid][2][name], array)
    resumed = oodnic(*GRID, "--run-dir", str(tmp_path / "merged"))
    assert resumed.returncode == 0 and "27 rows (27 already done)" in resumed.stdout, resumed.stdout
    again = oodnic("merge", *map(str, shards), "--into", str(tmp_path / "merged"))
    assert again.returncode == 0 and "0 rows and 0 array groups added" in again.stdout


def test_a_key_held_with_other_values_is_refused_and_nothing_is_merged(tmp_path):
    for i in (1, 2):
        assert oodnic(*GRID, "--shard", f"{i}/2", "--run-dir", str(tmp_path / f"s{i}")).returncode == 0
    shutil.copytree(tmp_path / "s1", tmp_path / "other")
    with sqlite3.connect(tmp_path / "other" / "results.sqlite") as conn:
        conn.execute("UPDATE results SET psnr = psnr + 1 WHERE key = (SELECT MIN(key) FROM results)")
    result = oodnic("merge", str(tmp_path / "s1"), str(tmp_path / "s2"), str(tmp_path / "other"),
                    "--into", str(tmp_path / "merged"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot merge {tmp_path / 'other'}: row " in lines[0] and "other values of psnr" in lines[0]
    with open_run(tmp_path / "merged") as run:  # the two good shards went in before the clash; the clash did not
        assert run.count() == len(results_table(tmp_path / "s1")) + len(results_table(tmp_path / "s2"))


def test_bad_shards_are_one_line(tmp_path):
    for shard in ("0/4", "5/4", "1/0", "a/b", "2"):
        result = oodnic(*GRID, "--shard", shard, "--run-dir", str(tmp_path / "r"))
        assert result.returncode == 2 and "--shard must be I/N with 1 <= I <= N" in result.stderr, result.stderr
    assert not (tmp_path / "r").exists()


def test_rate_matched_shards_merged_equal_the_single_run(tmp_path):
    """Rate searches are dealt out by (input, codec) like the fixed-quality units; merge unions their matches."""
    grid = [*GRID, "--target-bpp", "2,5"]
    single = oodnic(*grid, "--run-dir", str(tmp_path / "single"))
    assert single.returncode == 0, single.stderr
    for i in (1, 2):
        assert oodnic(*grid, "--shard", f"{i}/2", "--run-dir", str(tmp_path / f"s{i}")).returncode == 0
    counts = []
    for i in (1, 2):
        with open_run(tmp_path / f"s{i}") as run:
            counts.append(len(list(run.rate_matches())))
    merged = oodnic("merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "--into", str(tmp_path / "merged"))
    assert merged.returncode == 0, merged.stderr
    with open_run(tmp_path / "single") as one, open_run(tmp_path / "merged") as both:
        want, got = list(one.rate_matches()), list(both.rate_matches())
    assert want and got == want and counts[0] and counts[1] and sum(counts) == len(want)  # no search run twice
    assert results_table(tmp_path / "merged") == results_table(tmp_path / "single")
