"""The ``dask`` executor: chunks of the grid as Dask tasks, on an existing scheduler or a LocalCluster.

Workers only compute: each task returns a chunk's rows and its sums for the
groups of accumulating metrics to the driver, which commits them (the driver
is the only writer of results.sqlite). Tasks of a worker that dies are rerun
elsewhere by Dask; a chunk's result reaches the driver once, so nothing is
lost or counted twice. A chunk Dask gives up on becomes error rows
(:mod:`oodnic_dask.failures`).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

from oodnic_platform import Chunk, ChunkResult, ConfigError, Executor, Registry, RunSpec, get_registry

from .placement import GPU, codec_resources, gpu_workers, split_by_resource
from .progress import RowProgress
from .remote import Requirements, check_plugins, requirements
from .tasks import SETUP_HINT, Tasks

PRE_SPAWN = "distributed.nanny.pre-spawn-environ"


class DaskExecutor(Executor):
    """``scheduler``: address (``tcp://host:8786``) or scheduler file of a running cluster, reached within
    ``connect_timeout`` seconds when the executor is made; ``scheduler_file``: a scheduler file that may
    not exist yet (a scheduler starting in another batch job), waited for up to ``wait_for_workers``
    seconds; without either, a LocalCluster of ``workers`` processes with one thread each. Workers
    report each finished row."""

    name = "dask"
    reports_rows = True

    def __init__(self, workers: int = 1, scheduler: str | None = None, retries: int = 2,
                 wait_for_workers: float = 60.0, connect_timeout: float = 5.0, scheduler_file: str | None = None):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"--workers must be at least 1, not {workers!r}")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be a count (0 or more), not {retries!r}")
        for option, value in (("wait_for_workers", wait_for_workers), ("connect_timeout", connect_timeout)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{option} must be a positive number of seconds, not {value!r}")
        if scheduler and scheduler_file:
            raise ValueError("give the scheduler's address or its file, not both")
        self.workers = workers
        self.scheduler = scheduler or scheduler_file
        self.retries = retries
        self.wait_for_workers = wait_for_workers
        self.connect_timeout = connect_timeout
        quiet_dask_logs()
        if scheduler_file:
            wait_for_file(Path(scheduler_file), wait_for_workers)
        self._client = self._remote_client() if self.scheduler else None

    def describe(self) -> str:
        if self.scheduler:
            return f"dask, scheduler {self.scheduler}"
        return f"dask, local cluster of {self.workers} worker{'s' if self.workers > 1 else ''}"

    def run(self, spec: RunSpec, chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        chunks = list(chunks)
        if not chunks:
            return
        registry = get_registry()
        needed = requirements(spec, chunks, registry)
        with self._connect() as client:
            excluded = check_workers(client, spec, needed)
            tasks = Tasks(client, spec, needed, self.retries, self.wait_for_workers, RowProgress(self.progress),
                          excluded)
            for chunk, resources in self._place(client, spec, chunks, registry):
                tasks.submit(chunk, resources)
            yield from tasks.results()

    def _remote_client(self) -> Any:
        """A client of the scheduler, with a worker: or a one-line :class:`ConfigError` within seconds."""
        from distributed import Client

        where = self.scheduler
        is_file = Path(where).is_file()
        if not is_file and Path(where).suffix == ".json":
            raise ConfigError(f"no Dask scheduler file {where}")
        try:
            if is_file:
                client = Client(scheduler_file=where, timeout=self.connect_timeout)
            else:
                refuse_fast(where, self.connect_timeout)
                client = Client(where, timeout=self.connect_timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            text = " ".join(str(exc).split())
            raise ConfigError(f"cannot reach the Dask scheduler at {where} ({text}): is it running, and is the "
                              f"address right?") from None
        address = client.scheduler.address
        if not client.nthreads():
            print(f"oodnic: waiting up to {self.wait_for_workers:g} s for Dask workers at {address}",
                  file=sys.stderr, flush=True)
        try:
            client.wait_for_workers(1, timeout=self.wait_for_workers)
        except TimeoutError:
            client.close()
            raise ConfigError(f"no Dask worker joined the scheduler at {where} within {self.wait_for_workers:g} s;"
                              f" start some with `dask worker {address}`") from None
        return client

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        """A client of the cluster, closed afterwards; a LocalCluster lives as long as the context."""
        import dask
        from distributed import Client, LocalCluster

        if self.scheduler:
            client, self._client = self._client or self._remote_client(), None
            with client:
                yield client
            return
        with dask.config.set({PRE_SPAWN: local_worker_environ(self.workers)}):
            cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
        with cluster, Client(cluster) as client:
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


def wait_for_file(path: Path, patience: float) -> None:
    """Return once ``path`` exists (saying so while it does not), or raise a one-line :class:`ConfigError`."""
    if path.is_file():
        return
    print(f"oodnic: waiting up to {patience:g} s for the Dask scheduler file {path}", file=sys.stderr, flush=True)
    deadline = time.monotonic() + patience
    while not path.is_file():
        if time.monotonic() > deadline:
            raise ConfigError(f"no Dask scheduler file {path} within {patience:g} s: is the scheduler's job running?")
        time.sleep(0.5)


#: Dask's loggers on the driver that log tracebacks of lost connections (the run then says why in one line).
CLIENT_LOGGERS = ("distributed.client", "distributed.core", "distributed.comm", "distributed.batched",
                  "distributed.utils")


def quiet_dask_logs() -> None:
    """Dask's INFO messages (workers joining, leaving) only when the driver logs INFO (``oodnic -v``); the
    tracebacks its client logs when the scheduler is lost only with ``-vv``."""
    import distributed  # noqa: F401  (configures its loggers when first imported)

    logging.getLogger("distributed").setLevel(max(logging.INFO, logging.getLogger().getEffectiveLevel()))
    for name in CLIENT_LOGGERS:
        logger = logging.getLogger(name)
        if without_traceback not in logger.filters:
            logger.addFilter(without_traceback)


def without_traceback(record: logging.LogRecord) -> bool:
    """Drop a Dask record carrying a traceback (a connection lost, a reconnect cancelled), or saying the client
    gives up on the scheduler (the run says so in its one-line error), unless ``-vv``."""
    lost = record.exc_info is not None or str(record.msg).startswith("Failed to reconnect to scheduler")
    return not lost or logging.getLogger().isEnabledFor(logging.DEBUG)


def refuse_fast(address: str, timeout: float) -> None:
    """Raise ``ConnectionRefusedError`` at once when nothing listens at a TCP ``address`` (Dask would retry
    until its timeout); any other outcome is left to Dask's client."""
    url = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = url.port
    except ValueError:
        return
    if url.scheme not in ("tcp", "tls") or not url.hostname or not port:
        return
    try:
        socket.create_connection((url.hostname, port), timeout=timeout).close()
    except ConnectionRefusedError:
        raise ConnectionRefusedError(f"nothing listens at {url.hostname}:{port}") from None
    except OSError:
        return


def local_worker_environ(workers: int) -> dict[str, Any]:
    """Environment of LocalCluster worker processes: the cores shared out between them (for torch & co.).
    Malloc is tuned by every worker itself (:mod:`oodnic_dask.malloc`)."""
    import dask

    threads = max(1, (os.cpu_count() or 1) // workers)
    environ = dict(dask.config.get(PRE_SPAWN, default={}))
    environ.update({var: threads for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")})
    return environ


def check_workers(client: Any, spec: RunSpec, needed: Requirements) -> set[str]:
    """Before any work: the connected workers that lack a plugin the driver planned with (or hold another
    version), left out of the run with one warning; a one-line error when no worker can run the grid."""
    answers = client.run(check_plugins, spec, needed, on_error="return")
    names = {addr: w.get("name", "") for addr, w in client.scheduler_info(n_workers=-1)["workers"].items()}
    problems = {}
    for addr, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            answer = f"failed the plugin check: {type(answer).__name__}: {answer}"
        if answer is not None:
            problems[addr] = f"worker {addr} ({names.get(addr, '?')}) {answer}"
    summary = f"{len(problems)} of {len(answers)} Dask workers cannot run this grid"
    if problems and len(problems) == len(answers):
        raise ConfigError(f"{summary} ({SETUP_HINT}): " + " | ".join(problems.values()))
    if problems:
        warnings.warn(f"{summary} and are left out, the others go on ({SETUP_HINT}): " + " | ".join(problems.values()),
                      RuntimeWarning, stacklevel=2)
    return set(problems)
