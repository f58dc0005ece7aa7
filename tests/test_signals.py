"""SIGTERM and SIGINT sent to a run started in the background by a script: it stops, keeps what it committed,
prints the command that resumes it, and that command finishes the grid."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from oodnic_testing import OODNIC, fixture_environ, oodnic, rows_of


@pytest.mark.parametrize("signal_name, status", [("TERM", 143), ("INT", 130)])
def test_a_background_run_stops_on_a_signal_and_says_how_to_resume(tmp_path, signal_name, status):
    run_dir = tmp_path / "run"
    args = ["run", "--dataset", "sample", "--codec", "quant", "--severity", "1", "--run-dir", str(run_dir),
            "--no-progress", "--workers", "1"]
    # a non-interactive shell starts `&` jobs with SIGINT ignored: the case batch scripts meet
    script = f"""
        {shlex.join([*OODNIC, *args])} 2> {tmp_path / 'err'} &
        pid=$!
        for i in $(seq 1200); do [ -e {run_dir / 'samples'} ] && break; sleep 0.05; done
        kill -{signal_name} $pid
        wait $pid
        echo "status $?"
    """
    shell = subprocess.run(["bash", "-c", script], env=fixture_environ(OODNIC_TEST_SLOW="0.2"), capture_output=True,
                           text=True, timeout=180)
    assert shell.stdout.strip().splitlines()[-1] == f"status {status}", (shell.stdout, shell.stderr)
    hint = (tmp_path / "err").read_text().strip().splitlines()[-1]
    assert hint.startswith(f"interrupted by SIG{signal_name}: finished rows are saved; to resume, run: oodnic run ")
    kept = rows_of(run_dir)
    assert 0 < len(kept) < 18
    resumed = oodnic(*shlex.split(hint.split("to resume, run: oodnic ", 1)[1]))
    assert resumed.returncode == 0, resumed.stderr
    assert f"18 rows ({len(kept)} already done)" in resumed.stdout
    assert len(rows_of(run_dir)) == 18
