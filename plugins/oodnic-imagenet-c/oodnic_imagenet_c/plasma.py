"""The diamond-square plasma fractal behind ImageNet-C's fog."""

from __future__ import annotations

import numpy as np


def next_power_of_2(x: int) -> int:
    return 1 if x == 0 else 2 ** (x - 1).bit_length()


def plasma_fractal(mapsize: int, wibbledecay: float, rng: np.random.Generator) -> np.ndarray:
    """A ``mapsize`` x ``mapsize`` heightmap in [0, 1] (``mapsize`` a power of two, >= 2).

    Draws ``rng.uniform`` in the reference's order (so a ``RandomState`` seeded
    like the reference's global stream reproduces its map exactly).
    """
    if mapsize < 2 or mapsize & (mapsize - 1):
        raise ValueError(f"plasma map size must be a power of two >= 2, got {mapsize}")
    heights = np.empty((mapsize, mapsize), dtype=np.float64)
    heights[0, 0] = 0
    step, wibble = mapsize, 100.0

    def wibbled_mean(total: np.ndarray) -> np.ndarray:
        return total / 4 + wibble * rng.uniform(-wibble, wibble, total.shape)

    while step >= 2:
        half = step // 2
        # squares: centre of each square of corners ``step`` apart
        corners = heights[0:mapsize:step, 0:mapsize:step]
        total = corners + np.roll(corners, shift=-1, axis=0)
        total += np.roll(total, shift=-1, axis=1)
        heights[half:mapsize:step, half:mapsize:step] = wibbled_mean(total)
        # diamonds: midpoints of the square edges
        centres = heights[half:mapsize:step, half:mapsize:step]
        corners = heights[0:mapsize:step, 0:mapsize:step]
        total = centres + np.roll(centres, 1, axis=0) + (corners + np.roll(corners, -1, axis=1))
        heights[0:mapsize:step, half:mapsize:step] = wibbled_mean(total)
        total = centres + np.roll(centres, 1, axis=1) + (corners + np.roll(corners, -1, axis=0))
        heights[half:mapsize:step, 0:mapsize:step] = wibbled_mean(total)
        step //= 2
        wibble /= wibbledecay
    heights -= heights.min()
    return heights / heights.max()
