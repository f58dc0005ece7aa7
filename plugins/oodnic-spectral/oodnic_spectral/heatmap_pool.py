"""Fourier heat-map bases measured in a pool of processes, each loading the codec once."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Iterator

from oodnic_platform import Codec, Quality

from .fourier import Frequency
from .heatmap_store import BasisResult

_WORKER: dict[str, Any] = {}


def _start(codec: Codec, quality: Quality, crops: Any, eps: float, seed: int, feed: str) -> None:
    codec.load("cpu")
    _WORKER.update(codec=codec, quality=quality, crops=crops, eps=eps, seed=seed, feed=feed)


def _measure(frequencies: list[Frequency]) -> list[BasisResult]:
    from .heatmap import measure_chunk

    return measure_chunk(chunk=frequencies, **_WORKER)


def pool_results(codec: Codec, quality: Quality, crops: Any, chunks: list[list[Frequency]], settings: Any,
                 feed: str) -> Iterator[list[BasisResult]]:
    """Each chunk's results, in order, from ``settings.workers`` processes (forked where the OS allows)."""
    if not chunks:
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    workers = min(settings.workers, len(chunks))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method), initializer=_start,
                             initargs=(codec, quality, crops, settings.eps, settings.seed, feed)) as pool:
        yield from pool.map(_measure, chunks)
