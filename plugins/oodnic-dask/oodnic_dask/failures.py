"""Chunks Dask could not run become error rows: a task that kept killing its workers, or that raised.

Each job of such a chunk becomes an error row with the reason in one line and
the details (Dask's message, or the task's traceback) as the row's traceback;
:mod:`oodnic_dask.tasks` decides when (after isolating a culprit).
"""

from __future__ import annotations

from oodnic_platform import Chunk, RunSpec

HINT = "killed by the OS (out of memory?) or crashed in native code; that worker's log says which"


def isolate(chunk: Chunk) -> list[Chunk]:
    """``chunk`` as one chunk per (image, codec), every job once, in the chunk's order."""
    parts: dict[tuple[str, int], list] = {}
    for job in chunk.jobs:
        parts.setdefault((job.image, job.codec), []).append(job)
    return [Chunk(chunk.corruption, chunk.severity, tuple(jobs)) for jobs in parts.values()]


def describe(spec: RunSpec, chunk: Chunk) -> str:
    """``3 images x dquant, jpeg on dnoise/2`` or ``image a.png x dquant on clean``."""
    images = chunk.images
    codecs = ", ".join(dict.fromkeys(spec.codecs[job.codec].name for job in chunk.jobs))
    what = f"image {images[0]}" if len(images) == 1 else f"{len(images)} images"
    variant = "clean" if chunk.corruption == "clean" else f"{chunk.corruption}/{chunk.severity}"
    return f"{what} x {codecs} on {variant}"


def killed_message(spec: RunSpec, chunk: Chunk, error: BaseException) -> str:
    """One line: how many workers died on this chunk, which one last, and the likely causes."""
    allowed = getattr(error, "allowed_failures", None)
    times = f"{allowed + 1} time{'s' if allowed else ''}" if isinstance(allowed, int) else "repeatedly"
    last = getattr(getattr(error, "last_worker", None), "address", "an unknown worker")
    return f"worker died {times} while coding this chunk ({describe(spec, chunk)}; last on {last}): {HINT}"


def raised_message(spec: RunSpec, chunk: Chunk, error: BaseException, retries: int) -> str:
    text = " ".join(str(error).split())
    tries = f"{retries + 1} times" if retries else "once"
    return f"Dask task raised {tries} while coding this chunk ({describe(spec, chunk)}): {type(error).__name__}: {text}"
