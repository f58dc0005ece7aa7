"""Seeds: every random draw derives from the run seed and what it is for."""

from __future__ import annotations

import hashlib

import numpy as np


def derive_seed_sequence(run_seed: int, *parts: object) -> np.random.SeedSequence:
    """A SeedSequence unique to ``run_seed`` and ``parts`` (stable across processes and machines)."""
    text = "\x1f".join(str(p) for p in parts).encode("utf-8")
    words = np.frombuffer(hashlib.sha256(text).digest(), dtype="<u4")
    return np.random.SeedSequence([int(run_seed) & 0xFFFFFFFF, *map(int, words)])


def derive_rng(run_seed: int, *parts: object) -> np.random.Generator:
    """A ``numpy.random.Generator`` for one purpose, e.g. ``(image_sha256, corruption, severity)``."""
    return np.random.Generator(np.random.PCG64(derive_seed_sequence(run_seed, *parts)))
