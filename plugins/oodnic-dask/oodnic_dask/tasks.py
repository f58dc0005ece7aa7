"""Chunks as Dask tasks: submit them, hand back each result once, turn tasks Dask gave up on into error rows."""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from typing import Any, Iterator

from oodnic_platform import Chunk, ChunkResult, ConfigError, RunSpec

from .failures import failed_result, isolate, killed_message, raised_message
from .progress import RowProgress
from .remote import ROWS_TOPIC, Requirements, SetupFailure, run_task

log = logging.getLogger(__name__)
SETUP_HINT = "every worker needs the core and the same plugins, at the same versions, as the driver"
RESUME_HINT = "the rows committed so far are kept: run the same command again to finish"
Resources = dict[str, float] | None


class Tasks:
    """The tasks of one run on one client; :meth:`results` yields a result per chunk, in completion order."""

    def __init__(self, client: Any, spec: RunSpec, needed: Requirements, retries: int, patience: float,
                 progress: RowProgress):
        from distributed import as_completed

        self.client, self.spec, self.needed, self.retries, self.patience = client, spec, needed, retries, patience
        self.progress = progress
        self.token = uuid.uuid4().hex[:8]
        self.submitted = 0
        #: task key -> (future, chunk, resources, whether it is a piece of a chunk that killed workers)
        self.pending: dict[str, tuple[Any, Chunk, Resources, bool]] = {}
        self.completed = as_completed()
        self.dataset = spec.dataset  # as the workers name it, once a row says so
        self.without_workers: float | None = None
        self.next_check = 0.0

    def submit(self, chunk: Chunk, resources: Resources, parent: str | None = None) -> None:
        key = f"oodnic-chunk-{self.token}-{self.submitted}"
        self.submitted += 1
        self.progress.add(key, len(chunk.jobs), parent)
        future = self.client.submit(run_task, self.spec, chunk, self.needed, self.token, key=key,
                                    resources=resources, retries=self.retries, pure=False)
        self.pending[key] = (future, chunk, resources, parent is not None)
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
            self.client.unsubscribe_topic(ROWS_TOPIC)
            if self.pending:
                self.client.cancel([future for future, *_ in self.pending.values()])

    def _event(self, event: tuple[float, Any]) -> None:
        token, key, worker, rows = event[1]
        if token == self.token:
            self.progress.reported(key, worker, rows)

    def _outcome(self, future: Any) -> ChunkResult | None:
        """The chunk's result, error rows if Dask gave up on it, or ``None`` when it was split to isolate a culprit."""
        from distributed import KilledWorker

        _, chunk, resources, isolated = self.pending.pop(future.key)
        if future.status == "finished":
            result = future.result()
            if isinstance(result, SetupFailure):
                raise ConfigError(f"{result.message}; {SETUP_HINT}")
            self.dataset = next((row["dataset"] for row in result.rows), self.dataset)
            return result
        if future.status != "error":
            raise ConfigError(f"Dask {future.status} a chunk's task (lost the scheduler?): {RESUME_HINT}")
        error = future.exception()
        if isinstance(error, KilledWorker):
            pieces = isolate(chunk)
            if not isolated and len(pieces) > 1:
                log.warning("%s; running it again as %d tasks, one per image and codec, to isolate the culprit",
                            killed_message(self.spec, chunk, error), len(pieces))
                for piece in pieces:
                    self.submit(piece, resources, parent=future.key)
                return None
            message, detail = killed_message(self.spec, chunk, error), str(error)
        else:
            message = raised_message(self.spec, chunk, error, self.retries)
            detail = "".join(traceback.format_exception(type(error), error, future.traceback()))
        return failed_result(self.spec, chunk, message, detail, self.dataset)

    def _watch(self) -> None:
        """Give up (one line) when the scheduler has had no worker for ``patience`` seconds."""
        now = time.monotonic()
        if now < self.next_check:
            return
        self.next_check = now + 1.0
        if self.client.nthreads():
            self.without_workers = None
            return
        self.without_workers = self.without_workers or now
        if now - self.without_workers > self.patience:
            raise ConfigError(f"every Dask worker has left the scheduler (the last ones died?) and none joined "
                              f"within {self.patience:g} s; {len(self.pending)} chunks not run: {RESUME_HINT}")
