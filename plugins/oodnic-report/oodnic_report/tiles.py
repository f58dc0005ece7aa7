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
DIVERGING = "RdBu_r"
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


def shared_scale(planes: list[np.ndarray]) -> tuple[float, float] | None:
    """One log colour range for several planes (robust percentiles of all their positive values)."""
    positive = [p[p > 0] for p in planes]
    return scale(np.concatenate(positive)) if any(len(p) for p in positive) else None


def tile(plane: np.ndarray, folder: Path, name: str, span: tuple[float, float] | None = None) -> tuple[str, str]:
    """Write ``plane`` (DC at the centre, row 0 the lowest frequency) as ``name``.png on a log colour range
    (``span``, else its own); its file name and scale text."""
    low, high = span or scale(plane)
    with np.errstate(divide="ignore", invalid="ignore"):
        levels = (np.log(np.clip(plane, low, high)) - np.log(low)) / (np.log(high) - np.log(low))
    file = _file(name)
    save_png(_rgb(np.nan_to_num(levels[::-1], nan=0.0)), folder / file)
    return file, f"{low:.2g} to {high:.2g}"


def difference_tile(plane: np.ndarray, folder: Path, name: str, bound: float) -> tuple[str, str]:
    """Write a signed plane (codec minus anchor) on a linear diverging range -bound..bound (blue below, red above)."""
    from matplotlib import colormaps

    levels = np.clip(plane / bound, -1.0, 1.0) * 0.5 + 0.5 if bound > 0 else np.full(plane.shape, 0.5)
    rgb = (colormaps[DIVERGING](levels[::-1])[..., :3] * 255).round().astype(np.uint8)
    file = _file(name)
    save_png(rgb, folder / file)
    return file, f"-{bound:.2g} to {bound:.2g}"


def _file(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png"


def colour_bar(folder: Path, diverging: bool = False) -> str:
    """A horizontal colour bar (low end to high end of a tile's printed range); its file name."""
    from matplotlib import colormaps

    ramp = np.linspace(0.0, 1.0, 256)
    rgb = (colormaps[DIVERGING](ramp)[..., :3] * 255).round().astype(np.uint8) if diverging else _rgb(ramp)
    name = "colour-bar-diverging.png" if diverging else "colour-bar.png"
    save_png(np.repeat(rgb[None, :, :], 12, axis=0), folder / name)
    return name
