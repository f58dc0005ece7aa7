"""oodnic-dask: the ``dask`` executor (``oodnic run --executor dask [--scheduler ADDR]``)."""

from __future__ import annotations

from oodnic_platform import hookimpl


@hookimpl
def register_executors(register):
    from .executor import DaskExecutor

    register("dask", DaskExecutor)
