"""Bjontegaard deltas (BD-rate, BD-PSNR) with piecewise cubic interpolation, as in the JVET common test conditions.

G. Bjontegaard, VCEG-M33 (2001) defines both deltas as the mean gap between
two interpolated RD curves over the interval both cover. The JCT-VC / JVET
common test conditions (JCTVC-L1100, JVET-T2010 and their Excel sheets)
replace VCEG-M33's cubic polynomial fit by piecewise cubic Hermite
interpolation (PCHIP, Fritsch-Carlson monotone slopes), as does the
FAU-LMS ``bjontegaard`` package (method ``pchip``), which matches the Excel
sheet to ten decimals:

- BD-rate: ``log10(rate)`` as a PCHIP function of PSNR for each curve,
  integrated exactly over the common PSNR interval [lo, hi];
  ``BD-rate = (10 ** ((I_test - I_anchor) / (hi - lo)) - 1) * 100`` percent
  (negative: the test codec needs fewer bits for the same PSNR).
- BD-PSNR: PSNR as a PCHIP function of ``log10(rate)``, integrated over the
  common log-rate interval; the mean difference test - anchor in dB.

Neither is extrapolated: without a common interval the delta is NaN and the
note says so. A BD-rate needs PSNR to rise with rate on both curves (else
PSNR does not determine the rate); the note says which curve breaks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Below this share of the union of both ranges, the note warns that the overlap is narrow.
NARROW_OVERLAP = 0.5


@dataclass(frozen=True)
class Delta:
    """A Bjontegaard delta and, when it is NaN or fragile, why."""

    value: float
    note: str = ""


def _points(rate, psnr) -> tuple[np.ndarray, np.ndarray]:
    """Finite points with positive rate, sorted by rate; duplicate rates keep their first point."""
    rate, psnr = np.asarray(rate, float), np.asarray(psnr, float)
    keep = np.isfinite(rate) & np.isfinite(psnr) & (rate > 0)
    rate, psnr = rate[keep], psnr[keep]
    rate, first = np.unique(rate, return_index=True)
    return np.log10(rate), psnr[first]


def _integral(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> float:
    from scipy.interpolate import PchipInterpolator

    return float(PchipInterpolator(x, y).integrate(lo, hi))


def _overlap(anchor: np.ndarray, test: np.ndarray, show, unit: str) -> tuple[float, float, str]:
    """The common interval of two value sets (in the integration domain), and a note when it is empty or narrow."""
    lo, hi = max(anchor.min(), test.min()), min(anchor.max(), test.max())
    span = max(anchor.max(), test.max()) - min(anchor.min(), test.min())
    ranges = (f"anchor {show(anchor.min())}-{show(anchor.max())} {unit}, "
              f"codec {show(test.min())}-{show(test.max())} {unit}")
    if not hi > lo:
        return lo, hi, f"curves do not overlap ({ranges})"
    if span > 0 and (hi - lo) / span < NARROW_OVERLAP:
        return lo, hi, f"narrow overlap: {100 * (hi - lo) / span:.0f}% of the range ({ranges})"
    return lo, hi, ""


def bd_rate(anchor_rate, anchor_psnr, test_rate, test_psnr) -> Delta:
    """BD-rate (%) of the test curve against the anchor: mean log10-rate gap over the common PSNR interval."""
    (a_lr, a_q), (t_lr, t_q) = _points(anchor_rate, anchor_psnr), _points(test_rate, test_psnr)
    if len(a_lr) < 2 or len(t_lr) < 2:
        return Delta(float("nan"), f"needs 2 finite points per curve (anchor {len(a_lr)}, codec {len(t_lr)})")
    for name, quality in (("anchor", a_q), ("codec", t_q)):
        if not np.all(np.diff(quality) > 0):
            return Delta(float("nan"), f"the {name}'s PSNR does not rise with rate, so PSNR does not determine a "
                                       "rate (BD-PSNR still applies)")
    lo, hi, note = _overlap(a_q, t_q, lambda v: f"{v:.2f}", "dB")
    if not hi > lo:
        return Delta(float("nan"), note)
    gap = (_integral(t_q, t_lr, lo, hi) - _integral(a_q, a_lr, lo, hi)) / (hi - lo)
    return Delta(float((10.0**gap - 1.0) * 100.0), note)


def bd_psnr(anchor_rate, anchor_psnr, test_rate, test_psnr) -> Delta:
    """BD-PSNR (dB) of the test curve against the anchor: mean PSNR gap over the common log-rate interval."""
    (a_lr, a_q), (t_lr, t_q) = _points(anchor_rate, anchor_psnr), _points(test_rate, test_psnr)
    if len(a_lr) < 2 or len(t_lr) < 2:
        return Delta(float("nan"), f"needs 2 finite points per curve (anchor {len(a_lr)}, codec {len(t_lr)})")
    lo, hi, note = _overlap(a_lr, t_lr, lambda v: f"{10.0**v:.3g}", "bpp")
    if not hi > lo:
        return Delta(float("nan"), note)
    gap = (_integral(t_lr, t_q, lo, hi) - _integral(a_lr, a_q, lo, hi)) / (hi - lo)
    return Delta(float(gap), note)
