"""Bootstrap over images: resampled mean RD curves, interpolated at the matched rate, vectorised over resamples.

Each resample draws the run's images with replacement (a generator seeded by
``--seed``); a curve's points are the resampled image means, so a statistic
is recomputed exactly as on the real data. Codecs are resampled with the same
draws (paired), so a difference between two codecs has its own interval.
"""

from __future__ import annotations

import math

import numpy as np

from .curves import Curve

LEVEL = 0.95


def weights(images: int, resamples: int, seed: int) -> np.ndarray:
    """(resamples, images) weights: how often each image is drawn, over ``images``."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, images, size=(resamples, images))
    counts = np.zeros((resamples, images))
    np.add.at(counts, (np.arange(resamples)[:, None], draws), 1.0)
    return counts / images


def resampled_at(curve: Curve, quantity: str, bpp: float, w: np.ndarray) -> np.ndarray:
    """``quantity`` at ``bpp`` on each resample's mean curve (NaN where the rate falls outside it)."""
    y_all = curve.values[quantity]
    valid = curve.complete & np.isfinite(curve.mean(quantity)) & np.isfinite(curve.mean_bpp) & (curve.mean_bpp > 0)
    if valid.sum() == 0 or not math.isfinite(bpp) or bpp <= 0:
        return np.full(len(w), np.nan)
    x = np.log(w @ curve.bpp[:, valid])
    y = w @ y_all[:, valid]
    order = np.argsort(x, axis=1, kind="stable")
    x, y = np.take_along_axis(x, order, 1), np.take_along_axis(y, order, 1)
    target = math.log(bpp)
    k = x.shape[1]
    if k == 1:
        return np.where(np.isclose(x[:, 0], target), y[:, 0], np.nan)
    below = (x < target).sum(axis=1)
    j = np.clip(below, 1, k - 1)
    rows = np.arange(len(x))
    x0, x1, y0, y1 = x[rows, j - 1], x[rows, j], y[rows, j - 1], y[rows, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        value = y0 + (target - x0) / (x1 - x0) * (y1 - y0)
    inside = (x[:, 0] <= target) & (target <= x[:, -1])
    return np.where(inside, value, np.nan)


def interval(samples: np.ndarray) -> tuple[float, float, int]:
    """The central ``LEVEL`` percentile interval over finite samples, and how many samples were NaN."""
    finite = samples[np.isfinite(samples)]
    if not len(finite):
        return float("nan"), float("nan"), len(samples)
    tail = 50.0 * (1.0 - LEVEL)
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high), int(len(samples) - len(finite))
