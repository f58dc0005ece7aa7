"""Executors run chunks of the benchmark grid and hand their results back to the driver.

The driver (:mod:`oodnic_platform.runner`) is the only writer of the results
store; an executor only moves :class:`~oodnic_platform.work.Chunk` objects out
and :class:`~oodnic_platform.work.ChunkResult` objects back, in completion order.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING, Iterable, Iterator

if TYPE_CHECKING:
    from .work import Chunk, ChunkResult, RunSpec


class Executor:
    """Base class: ``run(spec, chunks)`` yields one result per chunk, in any order."""

    name = ""

    def run(self, spec: "RunSpec", chunks: Iterable["Chunk"]) -> Iterator["ChunkResult"]:
        raise NotImplementedError

    def describe(self) -> str:
        return self.name


class LocalExecutor(Executor):
    """Chunks in this process (``workers=1``) or in a pool of ``workers`` spawned processes."""

    name = "local"

    def __init__(self, workers: int = 1):
        if workers < 1:
            raise ValueError("--workers must be at least 1")
        self.workers = workers

    def describe(self) -> str:
        return f"local, {self.workers} worker{'s' if self.workers > 1 else ''}"

    def run(self, spec: "RunSpec", chunks: Iterable["Chunk"]) -> Iterator["ChunkResult"]:
        from .work import init_worker, run_chunk

        chunks = list(chunks)
        if self.workers == 1 or len(chunks) <= 1:
            init_worker(spec, threads=None)
            for chunk in chunks:
                yield run_chunk(spec, chunk)
            return
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=init_worker,
                                 initargs=(spec, threads, True)) as pool:
            pending: set[Future] = set()
            queue = iter(chunks)
            for chunk in queue:  # keep two chunks per worker in flight: bounded memory
                pending.add(pool.submit(run_chunk, spec, chunk))
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
                    nxt = next(queue, None)
                    if nxt is not None:
                        pending.add(pool.submit(run_chunk, spec, nxt))
