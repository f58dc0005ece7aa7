"""The :class:`Corruption` contract."""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np

from .images import as_image
from .seeding import derive_rng

Frequency = Literal["low", "medium", "high"]
FREQUENCY_GROUPS: tuple[str, ...] = ("low", "medium", "high")


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
