"""Reading error-spectrum array groups from the layout their metric documents in ``metadata()``.

The report understands ``layout_version`` 2 (oodnic-spectral's float32
half-planes): ``X_half`` (X in D, G, R) holds the rfft2 half-plane of an
``size = [H, W]`` spectrum, row i at ``numpy.fft.fftfreq(H)[i]``, column j at
``j / W``; the full plane is ``full[i, j] = X_half[i, j]`` for ``j <= W // 2``
and ``X_half[(-i) mod H, W - j]`` beyond (point symmetry), in ``fft2`` order.
``X_radial`` is the mean over radial bins of width ``radial_bin_width``
centred on ``radial_frequency`` (bin 0: DC alone). A group whose metadata
names another layout, or none, is not read: the report says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

LAYOUT_VERSION = 2
KINDS = ("D", "G", "R")


@dataclass(frozen=True)
class Layout:
    height: int
    width: int
    mode: str
    units: str
    radial_step: float


def read_layout(metadata: dict[str, Any]) -> Layout | str:
    """The layout a group's metadata documents, or why the report cannot read it."""
    version = metadata.get("layout_version")
    if version != LAYOUT_VERSION:
        found = f"layout_version {version!r}" if version is not None else "no layout_version"
        return f"its metadata documents {found}; this report reads layout {LAYOUT_VERSION} (X_half half-planes)"
    size = metadata.get("size")
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(s, int) and s >= 2 for s in size)):
        return f"layout {LAYOUT_VERSION} metadata without a valid size [H, W] (got {size!r})"
    step = metadata.get("radial_bin_width", 1.0 / min(size))
    return Layout(size[0], size[1], str(metadata.get("mode", "")), str(metadata.get("units", "")), float(step))


def full_plane(half: np.ndarray, layout: Layout) -> np.ndarray:
    """The fftshift-ed H x W plane (DC at the centre) of a documented half-plane; ValueError on a shape mismatch."""
    height, width = layout.height, layout.width
    if half.shape != (height, width // 2 + 1):
        raise ValueError(f"half-plane of shape {half.shape}, but size {height}x{width} needs "
                         f"({height}, {width // 2 + 1})")
    full = np.empty((height, width), dtype=np.float64)
    full[:, : width // 2 + 1] = half
    mirror = np.arange(width // 2 + 1, width)
    full[:, mirror] = half[(-np.arange(height)) % height][:, width - mirror]
    return np.fft.fftshift(full)


def radial_inside_nyquist(profile: np.ndarray, frequency: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray]:
    """The radial profile cut to complete annuli: bins 1.. whose outer edge is within Nyquist (0.5 cycles/pixel).

    Every kept bin is a full ring of the same width ``step`` (bins beyond 0.5
    only cover the plane's corners, a few coefficients each); bin 0 (DC, one
    coefficient) is left out.
    """
    keep = (np.arange(len(profile)) >= 1) & (frequency + step / 2 <= 0.5 + 1e-12) & np.isfinite(profile)
    return frequency[keep], profile[keep]


@lru_cache(maxsize=8)
def _bands(height: int, width: int, edges: tuple[float, ...]) -> np.ndarray:
    fy = np.fft.fftshift(np.fft.fftfreq(height))
    fx = np.fft.fftshift(np.fft.fftfreq(width))
    return np.searchsorted(np.asarray(edges), np.hypot(fy[:, None], fx[None, :]), side="right").ravel()


def band_fractions(plane: np.ndarray, layout: Layout, edges: tuple[float, ...]) -> np.ndarray:
    """Share of a (shifted, full) plane's sum in the radial bands split at ``edges`` (NaN for an all-zero plane)."""
    parts = np.bincount(_bands(layout.height, layout.width, tuple(edges)), plane.ravel(), minlength=len(edges) + 1)
    total = parts.sum()
    return parts / total if total > 0 else np.full(len(parts), np.nan)
