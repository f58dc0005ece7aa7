"""Per-row progress from Dask workers, counting each planned row once.

Workers report rows as they finish them (Dask events); a task may run again
after its worker died, or be split into pieces, so the rows it reported are
not a count of finished rows. Here each submitted chunk (a *root*) shows at
most its number of rows: the most any attempt of its task reported, or the
sum over its pieces, whichever is larger; a task's result tops it up to its
full size. Every root thus ends at exactly its size, and the bar never runs
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
        self.pieces: dict[str, list[str]] = {}
        #: task key -> worker -> rows it reported
        self.attempts: dict[str, dict[str, int]] = {}
        self.done: dict[str, int] = {}
        self.shown: dict[str, int] = {}

    def add(self, key: str, rows: int, parent: str | None = None) -> None:
        """A task of ``rows`` rows: a root, or a piece of ``parent``'s chunk."""
        with self.lock:
            self.size[key] = rows
            root = self.root[parent] if parent else key
            self.root[key] = root
            if parent:
                self.pieces.setdefault(root, []).append(key)
            else:
                self.shown[root] = 0

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
            self.done[key] = self.size[key]
            self._show(self.root[key])

    def _count(self, key: str) -> int:
        return self.done.get(key, min(self.size[key], max(self.attempts.get(key, {}).values(), default=0)))

    def _show(self, root: str) -> None:
        now = max(self._count(root), sum(self._count(piece) for piece in self.pieces.get(root, ())))
        delta, self.shown[root] = now - self.shown[root], max(now, self.shown[root])
        if delta > 0 and self.callback is not None:
            self.callback(delta)
