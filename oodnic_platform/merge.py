"""``oodnic merge RUN... --into RUN``: union run folders (the shards of one grid) into one."""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError
from .results import open_run
from .store import STORE_NAME, ResultStore, RunLock, check_writable, prepare_run_dir


def merge_runs(sources: list[Path], into: Path) -> tuple[int, int]:
    """Add every source's rows and array groups to ``into`` (created if need be); (rows, groups) added.

    A row or group that two folders hold with other values is a one-line :class:`ConfigError`.
    """
    for source in sources:
        if source.resolve() == into.resolve():
            raise ConfigError(f"--into {into} is also a folder to merge")
        open_run(source).close()  # a one-line RunError unless it is a readable run folder
    check_writable(into)
    lock = RunLock(prepare_run_dir(into))
    store = ResultStore(into / STORE_NAME)
    rows = groups = 0
    try:
        for source in sources:
            added = store.absorb(source)
            rows, groups = rows + added[0], groups + added[1]
    finally:
        store.close()
        lock.release()
    return rows, groups
