"""Executors run chunks of the benchmark grid and hand their results back to the driver.

The driver (:mod:`oodnic_platform.runner`) is the only writer of the results
store; an executor only moves :class:`~oodnic_platform.Chunk` objects out and
:class:`~oodnic_platform.ChunkResult` objects back, in completion order, each
made by :func:`oodnic_platform.run_chunk` wherever the executor likes.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Callable, Iterable, Iterator

from .plan import Chunk, RunSpec
from .worker import ChunkResult, init_worker, run_chunk, set_progress


class Executor:
    """Base class: ``run(spec, chunks)`` yields one result per chunk, in any order.

    The driver sets :attr:`progress` before :meth:`run`; an executor that calls
    it once per finished row (in any process) sets ``reports_rows = True``, and
    the driver then counts rows from it instead of from finished chunks.
    """

    name = ""
    reports_rows = False
    progress: Callable[[int], None] | None = None

    def run(self, spec: RunSpec, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


class LocalExecutor(Executor):
    """Chunks in this process (``workers=1``) or in a pool of ``workers`` spawned processes."""

    name = "local"
    reports_rows = True

    def __init__(self, workers: int = 1):
        if not isinstance(workers, int) or workers < 1:
            raise ValueError("--workers must be at least 1")
        self.workers = workers

    def describe(self) -> str:
        return f"local, {self.workers} worker{'s' if self.workers > 1 else ''}"

    def run(self, spec: RunSpec, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        chunks = list(chunks)
        if self.workers == 1 or len(chunks) <= 1:
            set_progress(self.progress)
            init_worker(spec, threads=None)
            try:
                for chunk in chunks:
                    yield run_chunk(spec, chunk)
            finally:
                set_progress(None)
            return
        yield from self._pool(spec, chunks)

    def _pool(self, spec: RunSpec, chunks: list[Chunk]) -> Iterator[ChunkResult]:
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        context = multiprocessing.get_context("spawn")
        rows = context.Queue()
        relay = _Relay(rows, self.progress)
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=init_worker,
                                 initargs=(spec, threads, True, rows)) as pool:
            try:
                pending: set[Future] = set()
                todo = iter(chunks)
                for chunk in todo:  # keep two chunks per worker in flight: bounded memory
                    pending.add(pool.submit(run_chunk, spec, chunk))
                    if len(pending) >= 2 * self.workers:
                        break
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        yield future.result()
                        following = next(todo, None)
                        if following is not None:
                            pending.add(pool.submit(run_chunk, spec, following))
            finally:
                relay.stop()


class _Relay:
    """Drains the workers' row queue into the driver's progress callback, on a thread."""

    def __init__(self, rows, callback: Callable[[int], None] | None):
        self.rows, self.callback = rows, callback
        self.running = True
        self.thread = threading.Thread(target=self._drain, name="oodnic-progress", daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while self.running:
            try:
                count = self.rows.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            if self.callback is not None:
                self.callback(count)

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
