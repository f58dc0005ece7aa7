"""Curves per input variant and codec, baselines, and the one rate at which codecs are compared."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from oodnic_platform import FREQUENCY_GROUPS

from .curves import Curve, build_curves, codec_labels
from .rundata import Variant, is_clean


@dataclass
class Analysis:
    """RD curves of every (variant, codec), which codecs are lossless baselines, and the matched rate."""

    label: Callable[[dict[str, Any]], str]
    curves: dict[Variant, dict[str, Curve]]
    frequency: dict[str, str]
    images: tuple[str, ...]
    #: codecs lossless at every point they have (e.g. the core's ``none``): baselines, not competing curves
    baselines: list[str]
    bpp: float = float("nan")
    bpp_source: str = ""
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def all_codecs(self) -> list[str]:
        return sorted({c for curves in self.curves.values() for c in curves})

    @property
    def codecs(self) -> list[str]:
        """Codecs that compete (every codec but the baselines)."""
        return [c for c in self.all_codecs if c not in self.baselines]

    @property
    def clean(self) -> Variant | None:
        return next((v for v in self.curves if is_clean(v)), None)

    @property
    def corruptions(self) -> list[str]:
        """Corruption names ordered by frequency group, then name."""
        rank = {g: i for i, g in enumerate(FREQUENCY_GROUPS)}
        names = {v[0] for v in self.curves if not is_clean(v)}
        return sorted(names, key=lambda n: (rank.get(self.frequency.get(n, ""), len(rank)), n))

    def severities(self, corruption: str | None = None) -> list[int]:
        return sorted({v[1] for v in self.curves if not is_clean(v) and corruption in (None, v[0])})

    def corrupted(self) -> list[Variant]:
        return [(c, s) for c in self.corruptions for s in self.severities(c)]

    def variants(self) -> list[Variant]:
        return ([self.clean] if self.clean else []) + self.corrupted()

    def curve(self, variant: Variant, codec: str) -> Curve | None:
        return self.curves.get(variant, {}).get(codec)

    def reference_severity(self) -> int | None:
        """Severity 3 (the paper's middle severity) when run, else the median one."""
        severities = self.severities()
        if not severities:
            return None
        return 3 if 3 in severities else severities[len(severities) // 2]

    def groups(self) -> list[str]:
        """Frequency groups with at least one corruption run, in the core's order."""
        present = {self.frequency.get(c) for c in self.corruptions}
        return [g for g in FREQUENCY_GROUPS if g in present]

    def group_variants(self, group: str, severity: int | None = None) -> list[Variant]:
        return [v for v in self.corrupted() if self.frequency.get(v[0]) == group and severity in (None, v[1])]

    def scopes(self) -> list[tuple[str, list[Variant]]]:
        """Inputs averaged together: each corruption over its severities, then each frequency group."""
        out = [(f"{c} (s{', '.join(map(str, self.severities(c)))})", [(c, s) for s in self.severities(c)])
               for c in self.corruptions]
        return out + [(f"{g}-frequency group", self.group_variants(g)) for g in self.groups()]

    def matched_quality(self, codec: str) -> Any:
        """The codec's quality whose mean clean-input bpp (any input without a clean one) is nearest the matched rate."""
        variant = self.clean or next(iter(self.curves), None)
        curve = self.curve(variant, codec) if variant else None
        return curve.nearest_quality(self.bpp) if curve else None


def analyse(rows: list[dict[str, Any]], images: list[str], bpp: float | None = None) -> Analysis:
    """Curves of ``rows`` (status ok) on the image axis ``images``; the matched rate unless given."""
    label = codec_labels(rows)
    by_variant: dict[Variant, list[dict[str, Any]]] = defaultdict(list)
    frequency: dict[str, str] = {}
    for row in rows:
        by_variant[(row["corruption"], int(row["severity"] or 0))].append(row)
        frequency[row["corruption"]] = row["frequency"]
    curves = {v: build_curves(vrows, label, images) for v, vrows in sorted(by_variant.items())}
    analysis = Analysis(label, curves, frequency, tuple(images), lossless_codecs(curves))
    for variant, per_codec in curves.items():
        for codec, curve in per_codec.items():
            where = "clean input" if is_clean(variant) else f"{variant[0]} severity {variant[1]}"
            incomplete = curve.incomplete()
            if incomplete:
                shown = ", ".join(f"q={q} ({have} of {len(images)} images)" for q, have in incomplete[:4])
                more = f" and {len(incomplete) - 4} more" if len(incomplete) > 4 else ""
                analysis.notes.append((f"RD points of {codec} on {where}",
                                       f"{len(incomplete)} qualities lack a successful row on some image ({shown}"
                                       f"{more}; rate-search probes are coded per image): left out of the mean "
                                       "curves, so every point averages the same images"))
    if bpp is not None:
        analysis.bpp, analysis.bpp_source = float(bpp), "given with --bpp"
    else:
        analysis.bpp, analysis.bpp_source = matched_bpp(analysis)
    return analysis


def lossless_codecs(curves: dict[Variant, dict[str, Curve]]) -> list[str]:
    """Codecs whose every complete point is lossless (infinite PSNR vs input on every image)."""
    verdict: dict[str, bool] = {}
    for per_codec in curves.values():
        for codec, curve in per_codec.items():
            psnr = curve.values["psnr"][:, curve.complete]
            verdict[codec] = verdict.get(codec, True) and psnr.size > 0 and bool(np.isinf(psnr).all())
    return sorted(c for c, lossless in verdict.items() if lossless)


def matched_bpp(analysis: Analysis) -> tuple[float, str]:
    """The rate inside the most competing RD curves, nearest (in log bpp) the median clean-input bpp.

    Candidates are that median and every curve's end points; the number of
    curves whose bpp range holds a candidate is its coverage.
    """
    ranges = [r for per in analysis.curves.values() for c, curve in per.items() if c not in analysis.baselines
              for r in [curve.rate_range()] if r]
    if not ranges:
        return float("nan"), "no finite bpp"
    pool = analysis.curves.get(analysis.clean) if analysis.clean else None
    pool = pool or {k: c for per in analysis.curves.values() for k, c in per.items()}
    points = np.concatenate([c.mean_bpp for k, c in pool.items() if k not in analysis.baselines] or [np.array([])])
    points = points[np.isfinite(points) & (points > 0)]
    median = float(np.median(points)) if len(points) else float(np.sqrt(ranges[0][0] * ranges[0][1]))
    candidates = sorted({median, *(v for r in ranges for v in r)})
    coverage = {t: sum(lo <= t <= hi for lo, hi in ranges) for t in candidates}
    best = max(coverage.values())
    chosen = min((t for t in candidates if coverage[t] == best), key=lambda t: (abs(np.log(t / median)), t))
    what = "clean-input" if analysis.clean else "all"
    source = (f"median of the {what} RD points" if chosen == median else
              f"nearest the median of the {what} RD points ({median:.4g} bpp) inside the most curves")
    return chosen, f"{source}: inside {best} of {len(ranges)} curves"
