"""Chunks as Dask tasks: submit them, hand back each result once, turn tasks Dask gave up on into error rows.

Dask gives up on a task (``KilledWorker``) when ``allowed-failures + 1``
workers died while it was assigned to them, whether it was being coded or only
queued there. Each worker tells the driver which task it starts, before
starting it (an event the scheduler has acknowledged), so the driver knows
whether the last worker died coding this task. If not, the task was a
bystander and is submitted again (at most :data:`AGAIN` times). If so, a chunk
of several images or codecs is split into one task per image and codec, so the
culprit is isolated and the other rows still succeed; a piece that again kills
its workers becomes error rows (:mod:`oodnic_dask.failures`).
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
import warnings
from dataclasses import dataclass
from typing import Any, Iterator

from oodnic_platform import Chunk, ChunkResult, ConfigError, RunSpec, failed_result

from .failures import isolate, killed_message, raised_message
from .progress import RowProgress
from .remote import ROWS_TOPIC, Requirements, SetupFailure, run_task

log = logging.getLogger(__name__)
SETUP_HINT = "every worker needs the core and the same plugins, at the same versions, as the driver"
RESUME_HINT = "the rows committed so far are kept: run the same command again to finish"
Resources = dict[str, float] | None
#: How many times a task whose workers died while it only waited there is submitted again.
AGAIN = 3


@dataclass
class Task:
    future: Any
    chunk: Chunk
    resources: Resources
    #: a piece of a chunk that killed its workers (never split again)
    piece: bool = False
    #: how many times it was submitted again after its workers died while it only waited there
    again: int = 0
    #: the workers it may run on (``None``: any), once a worker was left out
    workers: tuple[str, ...] | None = None


class Tasks:
    """The tasks of one run on one client; :meth:`results` yields a result per chunk, in completion order."""

    def __init__(self, client: Any, spec: RunSpec, needed: Requirements, retries: int, patience: float,
                 progress: RowProgress, excluded: set[str] | None = None):
        from distributed import as_completed

        self.client, self.spec, self.needed, self.retries, self.patience = client, spec, needed, retries, patience
        self.progress = progress
        self.token = uuid.uuid4().hex[:8]
        self.submitted = 0
        self.pending: dict[str, Task] = {}
        self.completed = as_completed()
        #: worker address -> key of the task it last said it codes
        self.coding: dict[str, str] = {}
        self.without_workers: float | None = None
        self.next_check = 0.0
        #: workers that cannot run this grid (a plugin missing, the dataset out of reach): given no chunk
        self.excluded: set[str] = set(excluded or ())

    def submit(self, chunk: Chunk, resources: Resources, parent: str | None = None, piece: bool = False,
               again: int = 0) -> None:
        key = f"oodnic-chunk-{self.token}-{self.submitted}"
        self.submitted += 1
        self.progress.add(key, len(chunk.jobs), parent)
        workers = self._usable()
        future = self.client.submit(run_task, self.spec, chunk, self.needed, self.token, key=key,
                                    resources=resources, retries=self.retries, pure=False,
                                    workers=workers, allow_other_workers=False)
        self.pending[key] = Task(future, chunk, resources, piece, again, workers and tuple(workers))
        self.completed.add(future)

    def results(self) -> Iterator[ChunkResult]:
        self.client.subscribe_topic(ROWS_TOPIC, self._event)
        try:
            while not self.completed.is_empty():
                batch = self.completed.next_batch(block=False)
                if not batch:
                    self._watch()
                    time.sleep(0.05)
                for future in batch:
                    result = self._outcome(future)
                    if result is not None:
                        self.progress.finished(future.key)
                        yield result
        finally:
            if self.client.status == "running":  # not after losing the scheduler
                self.client.unsubscribe_topic(ROWS_TOPIC)
                if self.pending:
                    self.client.cancel([task.future for task in self.pending.values()])

    def _event(self, event: tuple[float, Any]) -> None:
        token, key, worker, rows = event[1]
        if token == self.token:
            self.coding[worker] = key
            self.progress.reported(key, worker, rows)

    def _outcome(self, future: Any) -> ChunkResult | None:
        """The chunk's result, error rows if Dask gave up on it, or ``None`` when other tasks took its rows over."""
        from distributed import KilledWorker

        if future.status == "lost":  # its result died with a worker before it reached us: Dask computes it again
            self.completed.add(future)
            return None
        if future.key not in self.pending:  # cancelled when its workers left (see _reroute)
            return None
        task = self.pending.pop(future.key)
        if future.status == "finished":
            result = future.result()
            if isinstance(result, SetupFailure):
                self._exclude(result)
                self.submit(task.chunk, task.resources, future.key, task.piece, task.again)
                return None
            return result
        if future.status != "error":
            raise ConfigError(f"Dask {future.status} a chunk's task (lost the scheduler?): {RESUME_HINT}")
        error = future.exception()
        if not isinstance(error, KilledWorker):
            message = raised_message(self.spec, task.chunk, error, self.retries)
            detail = "".join(traceback.format_exception(type(error), error, future.traceback()))
            return failed_result(self.spec, task.chunk, message, detail, "dask driver")
        message = killed_message(self.spec, task.chunk, error)
        if self.coding.get(error.last_worker.address) != future.key and task.again < AGAIN:
            log.info("%s, but it was not coding this chunk: submitting it again", message)
            self.submit(task.chunk, task.resources, future.key, task.piece, task.again + 1)
            return None
        pieces = isolate(task.chunk)
        if task.piece or len(pieces) == 1:
            return failed_result(self.spec, task.chunk, message, str(error), "dask driver")
        log.warning("%s; running it again as %d tasks, one per image and codec, to isolate the culprit",
                    message, len(pieces))
        for piece in pieces:
            self.submit(piece, task.resources, future.key, piece=True)
        return None

    def _usable(self) -> list[str] | None:
        """The workers chunks may go to: any (``None``) until one is excluded, then the others connected now."""
        if not self.excluded:
            return None
        return sorted(set(self.client.nthreads()) - self.excluded)

    def _exclude(self, failure: SetupFailure) -> None:
        """Leave out a worker that cannot set the run up (it joined after the check, or lacks the dataset),
        with one warning; a one-line error when no other worker is left."""
        if failure.worker in self.excluded:  # a chunk it took before it was left out: said already
            return
        self.excluded.add(failure.worker)
        if not self._usable():
            raise ConfigError(f"{failure.message}; {SETUP_HINT}")
        warnings.warn(f"{failure.message}: left out, the other workers go on ({SETUP_HINT})", RuntimeWarning,
                      stacklevel=2)

    def _reroute(self) -> None:
        """Submit again, to the workers usable now, the tasks restricted to workers of which one has left."""
        usable = set(self._usable() or ())
        for key, task in list(self.pending.items()):
            if task.workers is not None and not set(task.workers) <= usable and task.future.status == "pending":
                del self.pending[key]
                task.future.cancel()
                self.submit(task.chunk, task.resources, key, task.piece, task.again)

    def _watch(self) -> None:
        """Give up (one line) when the scheduler has had no worker for ``patience`` seconds."""
        now = time.monotonic()
        if now < self.next_check:
            return
        self.next_check = now + 1.0
        if set(self.client.nthreads()) - self.excluded:
            self.without_workers = None
            self._reroute()
            return
        self.without_workers = self.without_workers or now
        if now - self.without_workers > self.patience:
            raise ConfigError(f"every Dask worker has left the scheduler (the last ones died?) and none joined "
                              f"within {self.patience:g} s; {len(self.pending)} chunks not run: {RESUME_HINT}")
