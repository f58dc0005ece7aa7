"""Rate-distortion curves: per-quality means over images, interpolation at a bpp, Bjontegaard deltas."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

#: Value columns a curve can carry, with their axis labels.
QUANTITIES = {
    "psnr": "PSNR vs codec input (dB)",
    "psnr_wrt_clean": "PSNR vs clean image (dB)",
    "ms_ssim": "MS-SSIM vs codec input",
}


@dataclass(frozen=True)
class Curve:
    """Mean bpp and quantities of one codec on one input group, one point per quality, sorted by bpp."""

    codec: str
    bpp: np.ndarray
    values: dict[str, np.ndarray]
    qualities: tuple[Any, ...]
    images: frozenset[str]

    def finite(self, quantity: str) -> tuple[np.ndarray, np.ndarray]:
        """(bpp, value) points where both are finite."""
        y = self.values[quantity]
        keep = np.isfinite(self.bpp) & np.isfinite(y)
        return self.bpp[keep], y[keep]

    def value_at(self, quantity: str, bpp: float) -> float:
        """``quantity`` at ``bpp``, linear in log(bpp) between points; NaN outside the curve's range."""
        x, y = self.finite(quantity)
        if len(x) == 0 or not (x.min() <= bpp <= x.max()) or bpp <= 0:
            return float("nan")
        if len(x) == 1:
            return float(y[0])
        order = np.argsort(x, kind="stable")
        return float(np.interp(np.log(bpp), np.log(x[order]), y[order]))


def codec_labels(rows: Iterable[dict[str, Any]]) -> Callable[[dict[str, Any]], str]:
    """Label rows by codec name, adding the settings that differ when one codec ran with several."""
    settings: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        settings[row["codec"]].add(row["codec_settings"] or "{}")

    def label(row: dict[str, Any]) -> str:
        variants = settings[row["codec"]]
        if len(variants) <= 1:
            return row["codec"]
        parsed = [json.loads(s) for s in sorted(variants)]
        mine = json.loads(row["codec_settings"] or "{}")
        differing = sorted(k for k in mine if len({json.dumps(p.get(k), sort_keys=True) for p in parsed}) > 1)
        return row["codec"] + " " + ",".join(f"{k}={mine[k]}" for k in differing)

    return label


def _mean(values: list[float]) -> float:
    array = np.asarray([v for v in values if v is not None], dtype=float)
    array = array[np.isfinite(array)]
    return float(array.mean()) if len(array) else float("nan")


def build_curves(rows: Iterable[dict[str, Any]], label: Callable[[dict[str, Any]], str]) -> dict[str, Curve]:
    """One curve per codec label over ``rows``: each point averages every row of that quality."""
    by_codec: dict[str, dict[Any, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_codec[label(row)][row["quality"]].append(row)
    curves = {}
    for codec, by_quality in sorted(by_codec.items()):
        qualities = sorted(by_quality, key=lambda q: (_mean([r["bpp"] for r in by_quality[q]]), str(q)))
        bpp = np.array([_mean([r["bpp"] for r in by_quality[q]]) for q in qualities])
        values = {name: np.array([_mean([r.get(name) for r in by_quality[q]]) for q in qualities])
                  for name in QUANTITIES}
        images = frozenset(r["image"] for rs in by_quality.values() for r in rs)
        curves[codec] = Curve(codec, bpp, values, tuple(qualities), images)
    return curves


def bd_rate(rate_ref: np.ndarray, quality_ref: np.ndarray, rate_test: np.ndarray, quality_test: np.ndarray) -> float:
    """Bjontegaard delta rate (%) of the test curve against the reference, piecewise cubic.

    log(rate) is interpolated as a function of quality with monotone piecewise
    cubic Hermite polynomials (PCHIP, as in the current VCEG/JVET reference)
    and integrated over the quality interval both curves cover. Negative means
    the test curve needs fewer bits. NaN without two distinct points per curve
    or without a common quality interval.
    """
    from scipy.interpolate import PchipInterpolator

    fits = []
    for rate, quality in ((rate_ref, quality_ref), (rate_test, quality_test)):
        rate, quality = np.asarray(rate, float), np.asarray(quality, float)
        keep = np.isfinite(rate) & np.isfinite(quality) & (rate > 0)
        quality, log_rate = quality[keep], np.log(rate[keep])
        quality, first = np.unique(quality, return_index=True)  # sorted, duplicates dropped
        if len(quality) < 2:
            return float("nan")
        fits.append((PchipInterpolator(quality, log_rate[first]), quality.min(), quality.max()))
    low, high = max(f[1] for f in fits), min(f[2] for f in fits)
    if not high > low:
        return float("nan")
    (ref, _, _), (test, _, _) = fits
    mean_diff = (test.integrate(low, high) - ref.integrate(low, high)) / (high - low)
    return float((np.exp(mean_diff) - 1.0) * 100.0)
