"""Per-row progress from Dask workers, counting each planned row once.

Workers report rows as they finish them (Dask events). A task may run again
after its worker died, be submitted again, or be split into pieces, so the
rows reported are not a count of finished rows. Here a task counts the most
any attempt of it reported (at most its size), or the sum over the tasks that
took over its rows, whichever is larger; a delivered result counts in full.
Each submitted chunk thus ends at exactly its size, and the bar never runs
past the total.
"""

from __future__ import annotations

import threading
from typing import Callable


class RowProgress:
    def __init__(self, callback: Callable[[int], None] | None):
        self.callback = callback
        self.lock = threading.Lock()
        self.size: dict[str, int] = {}
        self.root: dict[str, str] = {}
        #: task key -> the tasks that took over its rows (pieces of it, or itself submitted again)
        self.children: dict[str, list[str]] = {}
        #: task key -> worker -> rows it reported
        self.attempts: dict[str, dict[str, int]] = {}
        self.done: set[str] = set()
        self.shown: dict[str, int] = {}

    def add(self, key: str, rows: int, parent: str | None = None) -> None:
        """A task of ``rows`` rows: a chunk of the grid, or one taking over (part of) ``parent``'s rows."""
        with self.lock:
            self.size[key] = rows
            self.root[key] = self.root[parent] if parent else key
            if parent:
                self.children.setdefault(parent, []).append(key)
            else:
                self.shown[key] = 0

    def reported(self, key: str, worker: str, rows: int) -> None:
        """A worker finished ``rows`` more rows of task ``key`` (events of unknown tasks are ignored)."""
        with self.lock:
            if key not in self.size:
                return
            attempts = self.attempts.setdefault(key, {})
            attempts[worker] = attempts.get(worker, 0) + rows
            self._show(self.root[key])

    def finished(self, key: str) -> None:
        """Task ``key`` delivered its result (rows or error rows): all its rows count."""
        with self.lock:
            self.done.add(key)
            self._show(self.root[key])

    def _count(self, key: str) -> int:
        if key in self.done:
            return self.size[key]
        own = min(self.size[key], max(self.attempts.get(key, {}).values(), default=0))
        return max(own, sum(self._count(child) for child in self.children.get(key, ())))

    def _show(self, root: str) -> None:
        now = self._count(root)
        if now > self.shown[root]:
            delta, self.shown[root] = now - self.shown[root], now
            if self.callback is not None:
                self.callback(delta)
