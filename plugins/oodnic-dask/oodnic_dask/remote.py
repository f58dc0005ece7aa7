"""What runs inside a Dask worker: check that the worker can run the grid as planned, then run a chunk.

The driver plans with its own plugins; every worker rebuilds its plugins from
the installed entry points. :func:`requirements` records, on the driver, each
codec, corruption and metric a run needs with its version and the distribution
that provides it; :func:`check_plugins` compares a worker's registry against
that, so a worker lacking a plugin (or holding another version) is named in
one clear line instead of writing mismatched rows.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from typing import Any, Iterable

from oodnic_platform import Chunk, ChunkResult, Registry, RunSpec, get_registry, init_worker, run_chunk

from .malloc import tune_malloc

#: ``"codec jpeg"`` -> (version, "distribution version" that registered it on the driver)
Requirements = dict[str, tuple[str, str]]

#: One chunk at a time per process: the core's per-process worker state is not thread-safe.
_LOCK = threading.Lock()
_READY: tuple[RunSpec, Requirements] | None = None
#: The Dask event topic of rows finished (messages: ``[run token, task key, worker, rows]``; 0 rows: started).
ROWS_TOPIC = "oodnic-rows"


@dataclass
class SetupFailure:
    """Returned (not raised, so Dask does not retry it) when a worker cannot run the grid."""

    message: str
    #: the worker's address ("" outside a worker)
    worker: str = ""


def requirements(spec: RunSpec, chunks: Iterable[Chunk], registry: Registry) -> Requirements:
    """What the driver planned with: the run's codecs, corruptions and metrics, with versions."""
    sources = {p.name: f"{p.distribution} {p.version}".strip() or p.name for p in registry.plugins}
    owner = lambda thing: sources.get(registry.owners.get(thing, ""), "unknown plugin")
    things = [f"codec {c.name}" for c in spec.codecs]
    things += [f"corruption {name}" for name in sorted({c.corruption for c in chunks} - {"clean"})]
    things += [f"metric {name}" for name in spec.metrics]
    return {thing: (version_of(thing, spec, registry), owner(thing)) for thing in things}


def version_of(thing: str, spec: RunSpec, registry: Registry) -> str:
    """The version a registry holds of ``"codec NAME"`` (as configured) / ``"corruption NAME"``; metrics: ``""``."""
    kind, name = thing.split(" ", 1)
    if kind == "codec":
        return next(c for c in spec.codecs if c.name == name).build(registry).version()
    return registry.corruptions[name].version() if kind == "corruption" else ""


def worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except ValueError:  # not inside a worker
        return ""


def worker_label() -> str:
    """``tcp://host:port (name, host:pid)`` of the Dask worker running this code."""
    where = f"{socket.gethostname()}:{os.getpid()}"
    try:
        from distributed import get_worker

        worker = get_worker()
    except ValueError:  # not inside a worker
        return where
    return f"{worker.address} ({worker.name}, {where})"


def check_plugins(spec: RunSpec, needed: Requirements) -> str | None:
    """``None`` if this process has every required plugin at the driver's version, else what differs."""
    registry = get_registry()
    tables: dict[str, dict[str, Any]] = {"codec": registry.codecs, "corruption": registry.corruptions,
                                         "metric": registry.metrics}
    problems = []
    for thing, (version, source) in needed.items():
        kind, name = thing.split(" ", 1)
        if name not in tables[kind]:
            problems.append(f"lacks {kind} {name!r} (from {source} on the driver)")
            continue
        here = version_of(thing, spec, registry)
        if here != version:
            problems.append(f"has {kind} {name!r} version {here!r}, the driver {version!r}")
    if not problems:
        return None
    plugins = ", ".join(p.name for p in registry.plugins if not p.name.startswith("oodnic_platform.")) or "none"
    failed = "".join(f"; plugin {n} {why}" for n, why in sorted(registry.failures.items()))
    return f"{'; '.join(problems)} (its plugins: {plugins}{failed})"


def prepare(spec: RunSpec, needed: Requirements) -> str | None:
    """Check plugins and build this process's worker state once per run; a failure says why."""
    global _READY
    if _READY == (spec, needed):
        return None
    tune_malloc()
    problem = check_plugins(spec, needed)
    if problem:
        return f"worker {worker_label()} {problem}"
    try:  # thread counts: the worker's environment (OMP_NUM_THREADS)
        init_worker(spec, threads=None, progress=_ROWS)
    except Exception as exc:  # dataset missing on this machine, metric failing to load, ...
        text = " ".join(str(exc).split())
        return f"worker {worker_label()} cannot set up the run: {type(exc).__name__}: {text}"
    _READY = (spec, needed)
    return None


class RowEvents:
    """Where the core reports this process's finished rows: Dask events to the driver, tagged with the task."""

    token = ""

    def put(self, rows: int) -> None:
        from distributed import get_worker

        worker = get_worker()
        worker.log_event(ROWS_TOPIC, [self.token, worker.get_current_task(), worker.address, rows])

    def started(self, token: str) -> None:
        """Tell the driver which task this worker now codes, and wait until the scheduler has the news:
        should the worker die, the driver knows the task it died on (see :mod:`oodnic_dask.tasks`)."""
        from distributed import get_client, get_worker

        self.token = token
        worker = get_worker()
        get_client().log_event(ROWS_TOPIC, [token, worker.get_current_task(), worker.address, 0])


_ROWS = RowEvents()


def run_task(spec: RunSpec, chunk: Chunk, needed: Requirements, token: str = "") -> ChunkResult | SetupFailure:
    """The Dask task: one chunk of the grid, after the worker's one-time check; rows reported under ``token``."""
    with _LOCK:
        if token:
            _ROWS.started(token)
        problem = prepare(spec, needed)
        if problem:
            return SetupFailure(problem, worker_address())
        return run_chunk(spec, chunk)
