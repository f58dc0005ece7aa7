"""Curves per codec and input variant, the matched bpp, and the robustness and headline tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .curves import Curve, bd_rate, build_curves, codec_labels
from .rundata import CLEAN

GROUPS = ("low", "medium", "high")
Variant = tuple[str, int]


@dataclass
class Analysis:
    """RD curves of every (variant, codec) and the bpp at which codecs are compared."""

    label: Callable[[dict[str, Any]], str]
    curves: dict[Variant, dict[str, Curve]]
    frequency: dict[str, str]
    bpp: float
    bpp_source: str

    @property
    def codecs(self) -> list[str]:
        return sorted({c for curves in self.curves.values() for c in curves})

    @property
    def corruptions(self) -> list[str]:
        """Corruption names ordered by frequency group, then name."""
        names = {v[0] for v in self.curves if v != CLEAN}
        rank = {g: i for i, g in enumerate(GROUPS)}
        return sorted(names, key=lambda n: (rank.get(self.frequency.get(n, ""), len(rank)), n))

    @property
    def severities(self) -> list[int]:
        return sorted({v[1] for v in self.curves if v != CLEAN})

    def corrupted(self) -> list[Variant]:
        return [(c, s) for c in self.corruptions for s in self.severities if (c, s) in self.curves]

    def reference_severity(self) -> int | None:
        """Severity 3 (the paper's middle severity) when present, else the median one run."""
        severities = self.severities
        if not severities:
            return None
        return 3 if 3 in severities else severities[len(severities) // 2]


def analyse(rows: list[dict[str, Any]], bpp: float | None = None) -> Analysis:
    """Group ``rows`` (status ok) into curves; choose the matched bpp unless given."""
    label = codec_labels(rows)
    by_variant: dict[Variant, list[dict[str, Any]]] = defaultdict(list)
    frequency: dict[str, str] = {}
    for row in rows:
        by_variant[(row["corruption"], int(row["severity"] or 0))].append(row)
        frequency[row["corruption"]] = row["frequency"]
    curves = {variant: build_curves(vrows, label) for variant, vrows in sorted(by_variant.items())}
    if bpp is not None:
        return Analysis(label, curves, frequency, float(bpp), "given with --bpp")
    chosen, source = matched_bpp(curves)
    return Analysis(label, curves, frequency, chosen, source)


def matched_bpp(curves: dict[Variant, dict[str, Curve]]) -> tuple[float, str]:
    """The rate inside the most RD curves, nearest (in log bpp) to the median bpp of the clean-input points.

    Candidates are that median and every curve's end points; the number of
    curves whose bpp range holds a candidate is its coverage.
    """
    ranges = [(x.min(), x.max()) for cs in curves.values() for c in cs.values()
              for x in [c.bpp[np.isfinite(c.bpp) & (c.bpp > 0)]] if len(x)]
    if not ranges:
        return float("nan"), "no finite bpp"
    pool = curves.get(CLEAN) or {k: c for cs in curves.values() for k, c in cs.items()}
    points = np.concatenate([c.bpp for c in pool.values()])
    points = points[np.isfinite(points) & (points > 0)]
    median = float(np.median(points)) if len(points) else float(np.exp(np.mean(np.log(ranges[0]))))
    candidates = sorted({median, *(float(v) for r in ranges for v in r)})
    coverage = {t: sum(lo <= t <= hi for lo, hi in ranges) for t in candidates}
    best = max(coverage.values())
    chosen = min((t for t in candidates if coverage[t] == best), key=lambda t: (abs(np.log(t / median)), t))
    what = "clean-input" if CLEAN in curves else "all"
    source = (f"median of the {what} RD points" if chosen == median else
              f"nearest to the median of the {what} RD points ({median:.4g} bpp) inside the most curves")
    return chosen, f"{source}: within {best} of {len(ranges)} curves"


ROBUSTNESS_COLUMNS = ("codec", "corruption", "severity", "frequency", "bpp", "psnr_clean", "psnr",
                      "psnr_drop", "psnr_wrt_clean", "bd_rate_percent", "bd_overlap_db", "images")


def robustness_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """Per codec and corrupted variant: PSNR at the matched bpp, its drop from clean, psnr_wrt_clean, BD-rate."""
    clean = analysis.curves.get(CLEAN, {})
    out = []
    for variant in analysis.corrupted():
        for codec, curve in sorted(analysis.curves[variant].items()):
            reference = clean.get(codec)
            t = analysis.bpp
            psnr = curve.value_at("psnr", t)
            psnr_clean = reference.value_at("psnr", t) if reference else float("nan")
            bd, overlap = float("nan"), float("nan")
            if reference is not None:
                bd = bd_rate(*reference.finite("psnr"), *curve.finite("psnr"))
                overlap = common_width(reference.finite("psnr")[1], curve.finite("psnr")[1])
            out.append({
                "codec": codec, "corruption": variant[0], "severity": variant[1],
                "frequency": analysis.frequency.get(variant[0], ""), "bpp": t, "psnr_clean": psnr_clean,
                "psnr": psnr, "psnr_drop": psnr_clean - psnr, "psnr_wrt_clean": curve.value_at("psnr_wrt_clean", t),
                "bd_rate_percent": bd, "bd_overlap_db": overlap, "images": len(curve.images),
            })
    return out


def common_width(a: np.ndarray, b: np.ndarray) -> float:
    """Width of the interval both value sets span (NaN if either is empty; <= 0 if disjoint)."""
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    return float(min(a.max(), b.max()) - max(a.min(), b.min()))


def mean_over_severities(rows: list[dict[str, Any]], column: str) -> dict[tuple[str, str], float]:
    """(codec, corruption) -> mean of ``column`` over severities with a finite value (NaN if none)."""
    cells: dict[tuple[str, str], list[float]] = defaultdict(list)
    for row in rows:
        cells[(row["codec"], row["corruption"])].append(row[column])
    means = {}
    for key, values in cells.items():
        finite = [v for v in values if np.isfinite(v)]
        means[key] = float(np.mean(finite)) if finite else float("nan")
    return means


HEADLINE_COLUMNS = ("group", "codec", "bpp", "psnr", "psnr_wrt_clean", "variants", "best_generalisation",
                    "most_robust")


def headline_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """Per input group (clean, low, medium, high) and codec: mean PSNR vs input and vs clean at the matched bpp.

    Means run over the group's variants on which every codec of the group
    reaches the matched bpp, so all codecs are averaged over the same inputs;
    a codec that reaches it on none of them is left out of the group. The
    best-codec flags are set only where at least two codecs compete.
    """
    out = []
    for group in ("clean", *GROUPS):
        variants = [CLEAN] if group == "clean" else [v for v in analysis.corrupted()
                                                       if analysis.frequency.get(v[0]) == group]
        values: dict[str, dict[Variant, tuple[float, float]]] = {}
        for codec in analysis.codecs:
            for variant in variants:
                curve = analysis.curves.get(variant, {}).get(codec)
                if curve is None:
                    continue
                p, w = curve.value_at("psnr", analysis.bpp), curve.value_at("psnr_wrt_clean", analysis.bpp)
                if np.isfinite(p) and np.isfinite(w):
                    values.setdefault(codec, {})[variant] = (p, w)
        common = [v for v in variants if all(v in per for per in values.values())]
        if not values or not common:
            continue
        rows = [{"group": group, "codec": codec, "bpp": analysis.bpp,
                 "psnr": float(np.mean([per[v][0] for v in common])),
                 "psnr_wrt_clean": float(np.mean([per[v][1] for v in common])), "variants": len(common)}
                for codec, per in sorted(values.items())]
        best = max(rows, key=lambda r: r["psnr"])["codec"] if len(rows) > 1 else None
        robust = max(rows, key=lambda r: r["psnr_wrt_clean"])["codec"] if len(rows) > 1 else None
        for row in rows:
            row["best_generalisation"] = row["codec"] == best
            row["most_robust"] = row["codec"] == robust
        out.extend(rows)
    return out
