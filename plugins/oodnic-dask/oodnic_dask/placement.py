"""Where chunks may run: neural codecs (``resource = "gpu"``) ask Dask for a ``GPU`` worker resource."""

from __future__ import annotations

from typing import Any, Iterable

from oodnic_platform import Chunk, Registry, RunSpec

#: The Dask worker resource neural codecs request: ``dask worker ADDR --resources GPU=1``.
GPU = "GPU"


def codec_resources(spec: RunSpec, registry: Registry) -> list[str]:
    """``"cpu"`` or ``"gpu"`` for each codec of ``spec``, by index."""
    return [registry.codecs[c.name].resource if c.name in registry.codecs else "cpu" for c in spec.codecs]


def split_by_resource(chunks: Iterable[Chunk], resources: list[str]) -> list[tuple[Chunk, str]]:
    """Split each chunk into one chunk per resource its codecs use, so GPU work can go to GPU workers."""
    out = []
    for chunk in chunks:
        groups: dict[str, list] = {}
        for job in chunk.jobs:
            groups.setdefault(resources[job.codec], []).append(job)
        out.extend((Chunk(chunk.corruption, chunk.severity, tuple(jobs)), r) for r, jobs in groups.items())
    return out


def gpu_workers(scheduler_info: dict[str, Any]) -> list[str]:
    """Addresses of the workers that offer the ``GPU`` resource."""
    return [addr for addr, w in scheduler_info["workers"].items() if w.get("resources", {}).get(GPU, 0) > 0]
