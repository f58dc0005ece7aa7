"""The :class:`Corruption` contract."""

from __future__ import annotations

from typing import Literal, Sequence

import numpy as np

Frequency = Literal["low", "medium", "high"]
FREQUENCY_GROUPS: tuple[str, ...] = ("low", "medium", "high")


class Corruption:
    """An image corruption at integer severities.

    ``apply`` must draw every random number from ``rng``, so the platform's
    seed fixes the output bit for bit. ``frequency`` is the band the corruption
    mostly affects (Lieberman et al., 2023), used to group results.
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
