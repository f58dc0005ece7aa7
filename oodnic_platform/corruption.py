"""The :class:`Corruption` contract, the clean input, and seeding: every random draw derives from the run seed."""

from __future__ import annotations

import hashlib
from typing import Any, Literal, Mapping, Sequence

import numpy as np

from .images import as_image

Frequency = Literal["low", "medium", "high"]
FREQUENCY_GROUPS: tuple[str, ...] = ("low", "medium", "high")
#: The input variant that is no corruption at all (severity 0); a reserved name for every kind of plugin.
CLEAN = "clean"


def is_clean(variant: str | Mapping[str, Any]) -> bool:
    """Whether a corruption name, a result row or an array group's ``meta`` is of the clean input."""
    return (variant if isinstance(variant, str) else variant.get("corruption")) == CLEAN


class Corruption:
    """An image corruption at integer severities.

    ``apply`` must draw every random number from ``rng``, so the platform's
    seed fixes the output bit for bit. ``frequency`` is the band the corruption
    mostly affects (Lieberman et al., 2023), one of :data:`FREQUENCY_GROUPS`,
    used to group results.
    """

    name: str = ""
    frequency: Frequency = "medium"
    severities: Sequence[int] = (1, 2, 3, 4, 5)
    description: str = ""

    def version(self) -> str:
        return "unknown"

    def apply(self, image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
        """Return the corrupted HxWx3 uint8 image."""
        raise NotImplementedError


def derive_seed_sequence(run_seed: int, *parts: object) -> np.random.SeedSequence:
    """A SeedSequence unique to ``run_seed`` and ``parts`` (stable across processes and machines)."""
    text = "\x1f".join(str(p) for p in parts).encode("utf-8")
    words = np.frombuffer(hashlib.sha256(text).digest(), dtype="<u4")
    return np.random.SeedSequence([int(run_seed) & 0xFFFFFFFF, *map(int, words)])


def derive_rng(run_seed: int, *parts: object) -> np.random.Generator:
    """A ``numpy.random.Generator`` for one purpose, e.g. ``(image_sha256, corruption, severity)``."""
    return np.random.Generator(np.random.PCG64(derive_seed_sequence(run_seed, *parts)))


def corrupt(corruption: Corruption, clean: np.ndarray, severity: int, run_seed: int, image_sha256: str) -> np.ndarray:
    """Apply ``corruption`` with the generator derived from the run seed, image and variant.

    The runner (on the fly) and ``oodnic corrupt`` (materialised sets) both call
    this, so the two give bit-identical inputs.
    """
    rng = derive_rng(run_seed, image_sha256, corruption.name, severity)
    out = as_image(corruption.apply(clean, severity, rng))
    if out.shape != clean.shape:
        raise ValueError(f"corruption {corruption.name} changed the image shape {clean.shape} -> {out.shape}")
    return out
