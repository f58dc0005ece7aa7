"""The ``dask`` executor: chunks of the grid as Dask tasks, on an existing scheduler or a LocalCluster.

Workers only compute: each task returns a chunk's rows and metric
contributions to the driver, which commits them (the driver is the only
writer of results.sqlite). Tasks of a worker that dies are rerun elsewhere
by Dask; a chunk's result reaches the driver once, so nothing is lost or
duplicated.
"""

from __future__ import annotations

import os
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

from oodnic_platform import Chunk, ChunkResult, ConfigError, Executor, Registry, RunSpec, get_registry

from .placement import GPU, codec_resources, gpu_workers, split_by_resource
from .remote import Requirements, SetupFailure, check_plugins, requirements, run_task

SETUP_HINT = "every worker needs the core and the same plugins, at the same versions, as the driver"
PRE_SPAWN = "distributed.nanny.pre-spawn-environ"


class DaskExecutor(Executor):
    """``scheduler``: address (``tcp://host:8786``) or scheduler file of a running cluster;
    without it, a LocalCluster of ``workers`` processes with one thread each."""

    name = "dask"

    def __init__(self, workers: int = 1, scheduler: str | None = None, retries: int = 2,
                 wait_for_workers: float = 60.0):
        if workers < 1:
            raise ValueError("--workers must be at least 1")
        if retries < 0:
            raise ValueError("retries must be 0 or more")
        self.workers = workers
        self.scheduler = scheduler
        self.retries = retries
        self.wait_for_workers = wait_for_workers

    def describe(self) -> str:
        if self.scheduler:
            return f"dask, scheduler {self.scheduler}"
        return f"dask, local cluster of {self.workers} worker{'s' if self.workers > 1 else ''}"

    def run(self, spec: RunSpec, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        from distributed import as_completed

        chunks = list(chunks)
        if not chunks:
            return
        registry = get_registry()
        needed = requirements(spec, chunks, registry)
        with self._connect() as client:
            check_workers(client, spec, needed)
            token = uuid.uuid4().hex[:8]
            futures = [
                client.submit(run_task, spec, chunk, needed, key=f"oodnic-chunk-{token}-{i}",
                              resources=resources, retries=self.retries, pure=False)
                for i, (chunk, resources) in enumerate(self._place(client, spec, chunks, registry))
            ]
            pending = set(futures)
            completed = as_completed(futures)
            del futures  # drop each future once its result is in, so workers free its memory
            try:
                for future in completed:
                    pending.discard(future)
                    result = future.result()
                    if isinstance(result, SetupFailure):
                        raise ConfigError(f"{result.message}; {SETUP_HINT}")
                    yield result
            finally:
                if pending:
                    client.cancel(list(pending))

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        """A client of the cluster; a LocalCluster lives as long as the context."""
        import dask
        from distributed import Client, LocalCluster

        if not self.scheduler:
            with dask.config.set({PRE_SPAWN: local_worker_environ(self.workers)}):
                cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
            with cluster, Client(cluster) as client:
                yield client
            return
        try:
            if Path(self.scheduler).is_file():
                client = Client(scheduler_file=self.scheduler, timeout="30s")
            else:
                client = Client(self.scheduler, timeout="30s")
        except (OSError, TimeoutError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
        with client:
            try:
                client.wait_for_workers(1, timeout=self.wait_for_workers)
            except TimeoutError:
                raise ConfigError(
                    f"no Dask worker joined the scheduler at {self.scheduler} within {self.wait_for_workers:g} s;"
                    f" start some with `dask worker {self.scheduler}`"
                ) from None
            yield client

    def _place(self, client: Any, spec: RunSpec, chunks: list[Chunk],
               registry: Registry) -> list[tuple[Chunk, dict[str, float] | None]]:
        """Each chunk with the Dask resources it asks for: ``{"GPU": 1}`` for neural codecs' chunks
        when the cluster has GPU workers; otherwise no constraint (and a warning on a remote cluster)."""
        resources = codec_resources(spec, registry)
        if "gpu" not in resources or not self.scheduler:  # a LocalCluster shares this machine's devices
            return [(chunk, None) for chunk in chunks]
        if not gpu_workers(client.scheduler_info(n_workers=-1)):
            names = ", ".join(c.name for c, r in zip(spec.codecs, resources) if r == "gpu")
            warnings.warn(
                f"no Dask worker offers the {GPU} resource: neural codecs ({names}) run on any worker, on device"
                f" {spec.device!r}; start GPU workers with `dask worker ADDR --resources {GPU}=1`",
                RuntimeWarning, stacklevel=3,
            )
            return [(chunk, None) for chunk in chunks]
        return [(chunk, {GPU: 1} if r == "gpu" else None) for chunk, r in split_by_resource(chunks, resources)]


def local_worker_environ(workers: int) -> dict[str, Any]:
    """Environment of LocalCluster worker processes: the cores shared out between them (for torch & co.),
    and glibc's own malloc trimming instead of Dask's ``MALLOC_TRIM_THRESHOLD_=65536``, which
    costs numpy-heavy metrics 15-30 % of their speed in page faults."""
    import dask

    threads = max(1, (os.cpu_count() or 1) // workers)
    environ = {**dask.config.get(PRE_SPAWN, default={}), "MALLOC_TRIM_THRESHOLD_": None}
    environ.update({var: threads for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")})
    return environ


def check_workers(client: Any, spec: RunSpec, needed: Requirements) -> None:
    """Before any work: every connected worker has the plugins the driver planned with, or a one-line error."""
    answers = client.run(check_plugins, spec, needed, on_error="return")
    names = {addr: w.get("name", "") for addr, w in client.scheduler_info(n_workers=-1)["workers"].items()}
    problems = []
    for addr, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            answer = f"failed the plugin check: {type(answer).__name__}: {answer}"
        if answer is not None:
            problems.append(f"worker {addr} ({names.get(addr, '?')}) {answer}")
    if problems:
        raise ConfigError(
            f"{len(problems)} of {len(answers)} Dask workers cannot run this grid ({SETUP_HINT}): " + " | ".join(problems)
        )
