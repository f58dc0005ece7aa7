"""kill -9 in the middle of `oodnic run`, then the same command: the same table as an uninterrupted run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time

from oodnic_testing import OODNIC, fixture_environ, oodnic, results_table

ARGS = ["run", "--dataset", "sample", "--codec", "quant", "--quality", "2,4,6", "--corruption", "test_noise",
        "--severity", "1,2", "--workers", "2", "--no-progress"]


def rows(run_dir):
    conn = sqlite3.connect(run_dir / "results.sqlite")
    contributions = conn.execute("SELECT group_id, metric, data FROM contributions ORDER BY group_id").fetchall()
    return results_table(run_dir), contributions


def count(run_dir) -> int:
    try:
        conn = sqlite3.connect(run_dir / "results.sqlite", timeout=5)
        return conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def wait_gone(pids: list[int], timeout: float = 10) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        alive = [p for p in pids if os.path.exists(f"/proc/{p}") and "zombie" not in _state(p)]
        if not alive:
            return True
        time.sleep(0.2)
    return False


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next((line for line in handle if line.startswith("State:")), "").lower()
    except OSError:
        return "gone"


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
    workers = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = count(killed)
    assert workers and wait_gone(workers), "pool workers must not outlive a killed driver"
    assert 0 < partial < len(expected_rows), "the kill must land mid-run"

    resumed = oodnic(*ARGS, "--run-dir", str(killed))
    assert resumed.returncode == 0, resumed.stderr
    assert f"({partial} already done)" in resumed.stdout
    assert rows(killed) == (expected_rows, expected_sums)
