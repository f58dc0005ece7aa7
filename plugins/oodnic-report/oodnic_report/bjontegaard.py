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
note says so. Real curves have stray points: a point *dominated* by another
(no lower rate and no higher PSNR than it; JPEG's lowest qualities on a
low-contrast input) is left out of both deltas and the note counts it, as
long as more than half of the curve remains. A curve that mostly falls (PSNR
vs clean on noise) has no BD-rate (PSNR does not determine the rate; the note
says which curve) and its BD-PSNR uses every point. Under ``MIN_POINTS`` points
per curve the note warns that the delta is fragile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Below this share of the union of both ranges, the note warns that the overlap is narrow.
NARROW_OVERLAP = 0.5
#: Fewer points than this on a curve: the delta stands, with a warning.
MIN_POINTS = 4


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


def _frontier(log_rate: np.ndarray, psnr: np.ndarray) -> np.ndarray | None:
    """Which points (sorted by rate) no other point dominates; None unless they are more than half of them."""
    keep = psnr > np.concatenate([[-np.inf], np.maximum.accumulate(psnr)[:-1]])
    return keep if 2 * keep.sum() > len(psnr) and keep.sum() >= 2 else None


def _curves(anchor_rate, anchor_psnr, test_rate, test_psnr, need_rise: bool):
    """Both curves' points for a delta, dominated points left out where a curve mostly rises, and the notes.

    Returns ((anchor log-rate, PSNR), (test log-rate, PSNR), notes), or a Delta saying why there is none.
    """
    curves, notes = [], []
    for name, (lr, q) in (("anchor", _points(anchor_rate, anchor_psnr)), ("codec", _points(test_rate, test_psnr))):
        if len(lr) < 2:
            return Delta(float("nan"), f"needs 2 finite points per curve ({name} has {len(lr)})")
        keep = _frontier(lr, q)
        if keep is None and need_rise:
            return Delta(float("nan"), f"the {name}'s PSNR does not rise with rate, so PSNR does not determine a "
                                       "rate (BD-PSNR still applies)")
        if keep is not None and not keep.all():
            notes.append(f"dominated points left out: {int((~keep).sum())} of the {name}'s {len(q)} (at "
                         + ", ".join(f"{10.0**x:.3g} bpp" for x in lr[~keep]) + ")")
            lr, q = lr[keep], q[keep]
        curves.append((lr, q))
    few = [f"{name} {len(lr)}" for name, (lr, _) in zip(("anchor", "codec"), curves) if len(lr) < MIN_POINTS]
    if few:
        notes.append(f"fewer than {MIN_POINTS} points ({', '.join(few)}): fragile")
    return curves[0], curves[1], notes


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
    found = _curves(anchor_rate, anchor_psnr, test_rate, test_psnr, need_rise=True)
    if isinstance(found, Delta):
        return found
    (a_lr, a_q), (t_lr, t_q), notes = found
    lo, hi, note = _overlap(a_q, t_q, lambda v: f"{v:.2f}", "dB")
    if not hi > lo:
        return Delta(float("nan"), note)
    gap = (_integral(t_q, t_lr, lo, hi) - _integral(a_q, a_lr, lo, hi)) / (hi - lo)
    return Delta(float((10.0**gap - 1.0) * 100.0), "; ".join(filter(None, [note, *notes])))


def bd_psnr(anchor_rate, anchor_psnr, test_rate, test_psnr) -> Delta:
    """BD-PSNR (dB) of the test curve against the anchor: mean PSNR gap over the common log-rate interval."""
    found = _curves(anchor_rate, anchor_psnr, test_rate, test_psnr, need_rise=False)
    if isinstance(found, Delta):
        return found
    (a_lr, a_q), (t_lr, t_q), notes = found
    lo, hi, note = _overlap(a_lr, t_lr, lambda v: f"{10.0**v:.3g}", "bpp")
    if not hi > lo:
        return Delta(float("nan"), note)
    gap = (_integral(t_lr, t_q, lo, hi) - _integral(a_lr, a_q, lo, hi)) / (hi - lo)
    return Delta(float(gap), "; ".join(filter(None, [note, *notes])))
