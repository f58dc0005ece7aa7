"""Built-in executor: ``local`` (this process, or a pool of processes with ``--workers N``)."""

from __future__ import annotations

from ..executor import LocalExecutor
from ..hookspecs import hookimpl


@hookimpl
def register_executors(register):
    register("local", LocalExecutor)
