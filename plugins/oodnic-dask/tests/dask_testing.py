"""Helpers for the Dask tests: the grid, ``oodnic run`` subprocesses, table comparison, a real cluster."""

from __future__ import annotations

import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

from oodnic_platform.results import open_run

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
ENTRY_POINT = "dasktestfixture"
#: Only the fixture and the dask executor load (plus the built-ins): fast, and blind to other plugins.
PLUGINS = f"{ENTRY_POINT},dask"
TIMING = ("encode_s", "decode_s")

CONFIG = """\
dataset = "sample"
seed = 3
device = "cpu"
corruptions = ["dnoise"]
severities = [1, 2]
metrics = ["bpp", "psnr", "dmean"]
images_per_chunk = 1

[[codecs]]
name = "dquant"
"""
#: clean + dnoise 1, 2 over the 3 sample images, 3 qualities
GRID_ROWS = 27
IMAGES = 3


def executable(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else shutil.which(name) or name


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(0.05)


def oodnic_run(config: Path, run_dir: Path, env: dict[str, str], *args: str, wait: bool = True, cwd=None):
    """``oodnic run`` in a subprocess: the CompletedProcess, or the Popen when ``wait`` is false."""
    cmd = [executable("oodnic"), "run", "--config", str(config), "--run-dir", str(run_dir), "--no-progress", *args]
    if not wait:
        return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def finished_rows(run_dir: Path) -> int:
    """Rows with status ok in a run directory's store (0 while it does not exist yet)."""
    path = run_dir / "results.sqlite"
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM results WHERE status = 'ok'").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0
    finally:
        conn.close()


def table(run_dir: Path) -> tuple[list[dict], dict[str, tuple[int, bool, dict[str, np.ndarray]]]]:
    """Result rows (timing columns dropped, sorted by key) and the finalized dmean groups: id -> (rows, complete, arrays)."""
    with open_run(run_dir) as run:
        rows = sorted(({k: v for k, v in r.items() if k not in TIMING} for r in run.rows(status=None)),
                      key=lambda r: r["key"])
        groups = {g.group_id: (g.rows, g.complete, g.load()) for g in run.arrays("dmean")}
    return rows, groups


def assert_same_table(run_dir: Path, reference: Path) -> None:
    """Same rows (but timings) and the same finalized arrays, each counting every image once."""
    rows, groups = table(run_dir)
    ref_rows, ref_groups = table(reference)
    assert len(rows) == GRID_ROWS and all(r["status"] == "ok" for r in rows)
    assert rows == ref_rows
    assert groups.keys() == ref_groups.keys() and len(groups) == GRID_ROWS // IMAGES
    for gid, (count, complete, arrays) in groups.items():
        assert (count, complete) == (IMAGES, True), gid
        assert arrays.keys() == ref_groups[gid][2].keys() == {"mean"}
        for name, array in arrays.items():
            np.testing.assert_array_equal(array, ref_groups[gid][2][name], err_msg=f"{gid} {name}")


class Cluster:
    """A ``dask scheduler`` subprocess on 127.0.0.1 and the ``dask worker`` subprocesses a test adds."""

    def __init__(self, root: Path, env: dict[str, str]):
        from distributed import Client

        self.root, self.env = root, env
        self.procs: list[subprocess.Popen] = []
        scheduler_file = root / "scheduler.json"
        self._spawn("scheduler", [executable("dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--idle-timeout", "600", "--scheduler-file", str(scheduler_file)],
                    env)
        wait_for(scheduler_file.exists, "the scheduler to write its file")
        self.client = Client(scheduler_file=str(scheduler_file), timeout="30s")
        self.address = self.client.scheduler.address

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        with open(self.root / f"{name}.log", "w") as log:
            proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def names(self) -> set[str]:
        return {w["name"] for w in self.client.scheduler_info(n_workers=-1)["workers"].values()}

    def start_worker(self, name: str, resources: str = "", **env: str) -> subprocess.Popen:
        """A worker without a nanny (so SIGKILL kills the process that computes), once it has joined."""
        cmd = [executable("dask"), "worker", self.address, "--name", name, "--nthreads", "1", "--no-nanny",
               "--no-dashboard", "--death-timeout", "60", "--local-directory", str(self.root / name)]
        if resources:
            cmd += ["--resources", resources]
        proc = self._spawn(name, cmd, {**self.env, **env})
        wait_for(lambda: name in self.names() or proc.poll() is not None, f"worker {name} to join")
        assert proc.poll() is None, (self.root / f"{name}.log").read_text()
        return proc

    def stop_worker(self, name: str, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
        wait_for(lambda: name not in self.names(), f"worker {name} to leave")

    def close(self) -> None:
        self.client.close()
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
