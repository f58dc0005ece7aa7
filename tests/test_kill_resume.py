"""kill -9 in the middle of `oodnic run`, then the same command: the same table as an uninterrupted run."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time

from oodnic_testing import OODNIC, fixture_environ, oodnic
from oodnic_platform.store import TIMING_COLUMNS

ARGS = ["run", "--dataset", "sample", "--codec", "quant", "--quality", "2,4,6", "--corruption", "test_noise",
        "--severity", "1,2", "--no-progress"]


def rows(run_dir):
    conn = sqlite3.connect(run_dir / "results.sqlite")
    conn.row_factory = sqlite3.Row
    out = [dict(r) for r in conn.execute("SELECT * FROM results ORDER BY key")]
    for row in out:
        for column in TIMING_COLUMNS:
            row.pop(column)
    contributions = conn.execute("SELECT group_id, metric, data FROM contributions ORDER BY group_id").fetchall()
    return out, contributions


def count(run_dir) -> int:
    try:
        conn = sqlite3.connect(run_dir / "results.sqlite", timeout=5)
        return conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_kill_minus_nine_then_rerun_equals_an_uninterrupted_run(tmp_path):
    reference = tmp_path / "reference"
    assert oodnic(*ARGS, "--run-dir", str(reference)).returncode == 0
    expected_rows, expected_sums = rows(reference)
    assert len(expected_rows) == 3 * 3 * 3

    killed = tmp_path / "killed"
    env = fixture_environ(OODNIC_TEST_SLOW="0.05")
    proc = subprocess.Popen([*OODNIC, *ARGS, "--run-dir", str(killed)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while count(killed) < 6 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = count(killed)
    assert 0 < partial < len(expected_rows), "the kill must land mid-run"

    resumed = oodnic(*ARGS, "--run-dir", str(killed))
    assert resumed.returncode == 0, resumed.stderr
    assert f"({partial} already done)" in resumed.stdout
    assert rows(killed) == (expected_rows, expected_sums)
