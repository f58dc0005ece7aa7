"""Rate-distortion curves: per-image values per quality, means over the same images, interpolation at a rate.

A curve holds one codec's values on one input variant as (images x qualities)
matrices. A point (quality) counts only when every image of the run has a
successful row there, so every point of every curve averages the same images;
a point whose mean PSNR is infinite (an image coded losslessly) is *lossless*:
kept in the tables, marked, and left out of interpolation and BD integrals.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Callable, Iterable

import numpy as np

#: Value columns a curve carries, with their axis labels.
QUANTITIES = {
    "psnr": "PSNR vs codec input (dB)",
    "psnr_wrt_clean": "PSNR vs clean image (dB)",
    "ms_ssim": "MS-SSIM vs codec input",
    "ms_ssim_db": "MS-SSIM vs codec input (dB)",
}
#: Derived quantities: MS-SSIM in dB, -10 log10(1 - MS-SSIM) per image (inf for a perfect match).
DERIVED = {"ms_ssim_db": ("ms_ssim", lambda v: -10.0 * np.log10(np.maximum(1.0 - v, 0.0)))}


@dataclass(frozen=True)
class Curve:
    """One codec on one input variant: ``bpp`` and ``values[q]`` are (images, qualities), NaN where no row."""

    codec: str
    images: tuple[str, ...]
    qualities: tuple[Any, ...]
    bpp: np.ndarray
    values: dict[str, np.ndarray]

    @cached_property
    def complete(self) -> np.ndarray:
        """Per quality: every image has a row."""
        return np.isfinite(self.bpp).all(axis=0)

    @cached_property
    def mean_bpp(self) -> np.ndarray:
        """Mean bpp over images per quality (NaN for an incomplete point)."""
        return self.bpp.mean(axis=0) if len(self.bpp) else np.full(len(self.qualities), np.nan)

    def mean(self, quantity: str) -> np.ndarray:
        """Mean over images per quality (NaN for an incomplete point, inf for a lossless one)."""
        values = self.values[quantity]
        with np.errstate(invalid="ignore"):
            out = values.mean(axis=0) if len(values) else np.full(len(self.qualities), np.nan)
        return np.where(self.complete, out, np.nan)

    def lossless(self, quantity: str = "psnr") -> list[Any]:
        """Qualities at which some image was coded losslessly (infinite ``quantity``)."""
        hits = np.isinf(self.values[quantity]).any(axis=0) & self.complete
        return [q for q, hit in zip(self.qualities, hits) if hit]

    def incomplete(self) -> list[tuple[Any, int]]:
        """(quality, images with a row) for qualities some image lacks."""
        have = np.isfinite(self.bpp).sum(axis=0)
        return [(q, int(n)) for q, n, ok in zip(self.qualities, have, self.complete) if not ok]

    def finite(self, quantity: str) -> tuple[np.ndarray, np.ndarray]:
        """(mean bpp, mean value) of the complete, finite points, sorted by bpp."""
        x, y = self.mean_bpp, self.mean(quantity)
        keep = np.isfinite(x) & np.isfinite(y) & (x > 0)
        order = np.argsort(x[keep], kind="stable")
        return x[keep][order], y[keep][order]

    def rate_range(self) -> tuple[float, float] | None:
        x = self.mean_bpp[np.isfinite(self.mean_bpp) & (self.mean_bpp > 0)]
        return (float(x.min()), float(x.max())) if len(x) else None

    def value_at(self, quantity: str, bpp: float) -> tuple[float, str]:
        """``quantity`` at ``bpp`` (linear in log bpp between points) and, when NaN, why."""
        x, y = self.finite(quantity)
        if not math.isfinite(bpp) or bpp <= 0:
            return float("nan"), "no matched rate"
        if len(x) == 0:
            return float("nan"), f"{self.codec} has no complete finite point"
        if not (x[0] <= bpp <= x[-1]):
            return float("nan"), f"{self.codec}'s curve spans {x[0]:.3g}-{x[-1]:.3g} bpp, not {bpp:.3g}"
        return float(np.interp(math.log(bpp), np.log(x), y)), ""

    def nearest_quality(self, bpp: float) -> Any:
        """The quality whose mean bpp is nearest ``bpp`` in log scale (None without a complete point)."""
        x = self.mean_bpp
        valid = np.isfinite(x) & (x > 0)
        if not valid.any() or not math.isfinite(bpp) or bpp <= 0:
            return None
        distance = np.where(valid, np.abs(np.log(np.where(valid, x, 1.0)) - math.log(bpp)), np.inf)
        return self.qualities[int(np.argmin(distance))]


def codec_labels(rows: Iterable[dict[str, Any]]) -> Callable[[dict[str, Any]], str]:
    """Label rows by codec name, adding the settings that differ when one codec ran with several."""
    settings: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        settings[row["codec"]].add(row["codec_settings"] or "{}")
    cache: dict[tuple[str, str], str] = {}

    def label(row: dict[str, Any]) -> str:
        key = (row["codec"], row.get("codec_settings") or "{}")
        if key not in cache:
            variants = settings.get(key[0], set())
            if len(variants) <= 1:
                cache[key] = key[0]
            else:
                parsed = [json.loads(s) for s in sorted(variants)]
                mine = json.loads(key[1])
                differing = sorted(k for k in mine if len({json.dumps(p.get(k), sort_keys=True) for p in parsed}) > 1)
                cache[key] = key[0] + " " + ",".join(f"{k}={mine[k]}" for k in differing)
        return cache[key]

    return label


def quality_order(quality: Any) -> tuple:
    try:
        return (0, float(quality), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(quality))


def build_curves(rows: Iterable[dict[str, Any]], label: Callable[[dict[str, Any]], str],
                 images: Iterable[str]) -> dict[str, Curve]:
    """One curve per codec label over ``rows`` (one input variant), on the image axis ``images``."""
    axis = tuple(images)
    position = {name: i for i, name in enumerate(axis)}
    by_codec: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_codec[label(row)].append(row)
    curves = {}
    for codec, codec_rows in sorted(by_codec.items()):
        qualities = tuple(sorted({r["quality"] for r in codec_rows}, key=quality_order))
        column = {q: j for j, q in enumerate(qualities)}
        shape = (len(axis), len(qualities))
        bpp = np.full(shape, np.nan)
        values = {name: np.full(shape, np.nan) for name in QUANTITIES}
        for row in codec_rows:
            i, j = position[row["image"]], column[row["quality"]]
            bpp[i, j] = _float(row.get("bpp"))
            for name in QUANTITIES:
                if name not in DERIVED:
                    values[name][i, j] = _float(row.get(name))
        with np.errstate(divide="ignore", invalid="ignore"):
            for name, (source, convert) in DERIVED.items():
                values[name] = convert(values[source])
        curves[codec] = Curve(codec, axis, qualities, bpp, values)
    return curves


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)
