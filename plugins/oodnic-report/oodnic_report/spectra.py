"""Error spectra D / G / R: each codec at its matched quality, per input, reduced once to what the page shows.

Every array group an accumulating metric finalized with ``X_half`` planes or
``X_radial`` profiles (X in D, G, R) in the documented layout
(:mod:`.spectral_layout`) is a candidate; the report reads only the groups of
each codec's matched quality, each file once, and keeps a block-averaged plane,
the radial profile inside Nyquist and the band shares.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .context import Context
from .rundata import Variant
from .spectral_layout import KINDS, Layout, band_fractions, full_plane, radial_inside_nyquist, read_layout

#: Longest side of a displayed plane after block averaging.
MAX_CELL = 96
DEFAULT_EDGES = (0.125, 0.25)


@dataclass
class Spectrum:
    """One codec's spectrum of one kind on one input (or the mean over several inputs), as displayed."""

    plane: np.ndarray | None  # fftshift-ed, block-averaged; None without planes
    radial: tuple[np.ndarray, np.ndarray] | None
    bands: np.ndarray | None
    mean: float  # mean over the full plane (power mode: the MSE)
    images: int

    @property
    def zero(self) -> bool:
        return self.plane is not None and not np.any(self.plane)


@dataclass
class MetricSpectra:
    metric: str
    layout: Layout
    qualities: dict[str, Any]
    edges: tuple[float, ...]
    cells: dict[tuple[str, Variant, str], Spectrum] = field(default_factory=dict)

    def codecs(self) -> list[str]:
        return sorted({codec for codec, _, _ in self.cells})


def shrink(plane: np.ndarray, size: int = MAX_CELL) -> np.ndarray:
    """Block-average a 2-D array so that its longer side is at most ``size`` (float32)."""
    factor = max(1, math.ceil(max(plane.shape) / size))
    h, w = (plane.shape[0] // factor) * factor, (plane.shape[1] // factor) * factor
    if factor > 1:
        plane = plane[:h, :w].reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3))
    return plane.astype(np.float32)


def _same(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return a == b


def collect(ctx: Context, metric: str) -> MetricSpectra | None:
    """Read ``metric``'s groups at each competing codec's matched quality; skips (with reasons) what cannot be read."""
    analysis = ctx.analysis
    qualities = {c: analysis.matched_quality(c) for c in analysis.codecs}
    result: MetricSpectra | None = None
    refused: dict[str, int] = {}
    for group in ctx.data.arrays(metric):
        meta = group.meta
        codec = analysis.label({"codec": meta.get("codec"), "codec_settings": meta.get("codec_settings") or "{}"})
        if codec not in qualities or qualities[codec] is None or not _same(meta.get("quality"), qualities[codec]):
            continue
        variant = group.variant
        if variant not in analysis.curves:
            continue
        metadata = group.metadata()
        layout = read_layout(metadata)
        if isinstance(layout, str):
            refused[layout] = refused.get(layout, 0) + 1
            continue
        wanted = [k for kind in KINDS for k in (f"{kind}_half", f"{kind}_radial", f"{kind}_band_fraction")] + [
            "radial_frequency", "count"]
        arrays = group.load(wanted)
        if result is None:
            edges = tuple(metadata.get("band_edges") or DEFAULT_EDGES)
            result = MetricSpectra(metric, layout, qualities, edges)
        images = int(np.sum(arrays.get("count", [group.rows])))
        for kind in KINDS:
            spectrum = reduce(arrays, kind, layout, result.edges, images)
            if isinstance(spectrum, str):
                refused[spectrum] = refused.get(spectrum, 0) + 1
            elif spectrum is not None:
                result.cells[(codec, variant, kind)] = spectrum
    for reason, count in refused.items():
        ctx.skip(f"{metric}: {count} array group(s)", reason)
    return result if result is not None and result.cells else None


def reduce(arrays: dict[str, np.ndarray], kind: str, layout: Layout, edges: tuple[float, ...],
           images: int) -> Spectrum | str | None:
    """What the page needs of one spectrum (None when the group has no ``kind``; a string when it is malformed)."""
    half, profile = arrays.get(f"{kind}_half"), arrays.get(f"{kind}_radial")
    if half is None and profile is None:
        return None
    fractions = arrays.get(f"{kind}_band_fraction")  # saved without planes (power mode)
    plane, mean = None, float("nan")
    bands = np.asarray(fractions, float) if fractions is not None and len(fractions) == len(edges) + 1 else None
    if half is not None:
        try:
            full = full_plane(np.asarray(half, dtype=np.float64), layout)
        except ValueError as exc:
            return f"{kind}_half does not match its documented layout: {exc}"
        plane, bands, mean = shrink(full), band_fractions(full, layout, edges), float(full.mean())
    radial = None
    if profile is not None and "radial_frequency" in arrays:
        radial = radial_inside_nyquist(np.asarray(profile, float), np.asarray(arrays["radial_frequency"], float),
                                       layout.radial_step)
    return Spectrum(plane, radial, bands, mean, images)


def average(spectra: list[Spectrum]) -> Spectrum:
    """The mean of spectra of the same geometry (planes, profiles, band shares of the mean plane)."""
    planes = [s.plane for s in spectra]
    plane = np.mean(planes, axis=0) if all(p is not None for p in planes) else None
    radial = None
    if all(s.radial is not None for s in spectra):
        radial = (spectra[0].radial[0], np.mean([s.radial[1] for s in spectra], axis=0))
    weights = np.array([s.mean for s in spectra])
    bands = None
    if all(s.bands is not None for s in spectra) and np.nansum(weights) > 0:
        bands = np.nansum([s.bands * m for s, m in zip(spectra, weights)], axis=0) / np.nansum(weights)
    return Spectrum(plane, radial, bands, float(np.mean(weights)), min(s.images for s in spectra))
