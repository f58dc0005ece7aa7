"""Spectrum tiles: a 2-D plane as a small PNG on its own log colour scale, written without a matplotlib figure.

Drawing dozens of heat-map panels with matplotlib costs seconds each; a tile
is a colour-mapped array saved by Pillow (milliseconds), and the page prints
each tile's scale under it and one colour bar for all.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

CMAP = "inferno"
#: Share of a tile's positive values below / above its colour range (robust to a bright DC).
PERCENTILES = (0.5, 99.5)
#: Largest ratio of a tile's colour range; smaller values show as its darkest colour.
MAX_RATIO = 1e5


def _rgb(levels: np.ndarray) -> np.ndarray:
    from matplotlib import colormaps

    return (colormaps[CMAP](levels)[..., :3] * 255).round().astype(np.uint8)


def save_png(rgb: np.ndarray, path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path, format="PNG")


def scale(plane: np.ndarray) -> tuple[float, float]:
    """(low, high) of a plane's log colour range: robust percentiles of its positive values."""
    positive = plane[plane > 0]
    high = float(np.percentile(positive, PERCENTILES[1]))
    low = max(float(np.percentile(positive, PERCENTILES[0])), high / MAX_RATIO)
    return low, max(high, low * 1.0001)


def tile(plane: np.ndarray, folder: Path, name: str) -> tuple[str, str]:
    """Write ``plane`` (DC at the centre, row 0 the lowest frequency) as ``name``.png; its file name and scale text."""
    low, high = scale(plane)
    with np.errstate(divide="ignore", invalid="ignore"):
        levels = (np.log(np.clip(plane, low, high)) - np.log(low)) / (np.log(high) - np.log(low))
    file = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png"
    save_png(_rgb(np.nan_to_num(levels[::-1], nan=0.0)), folder / file)
    return file, f"{low:.2g} to {high:.2g}"


def colour_bar(folder: Path) -> str:
    """A horizontal colour bar (dark = a tile's low end, bright = its high end); its file name."""
    save_png(np.repeat(_rgb(np.linspace(0.0, 1.0, 256))[None, :, :], 12, axis=0), folder / "colour-bar.png")
    return "colour-bar.png"
