"""Values at target rates: each codec's rate-matched rows per input and target, as per-image vectors.

A (codec, input, target) has a value only where every image of the run has a
matched row within tolerance. A target some image's match misses is *out of
reach* there when it lies outside the rates the codec reached on that image,
else *not matched* (an integer quality steps over it, or the probe budget ran
out); the codec's reachable range is kept to name either once. An image
without any match leaves the value missing, with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .analysis import Analysis
from .ratematch import RateMatch
from .rundata import Variant

MEASURES = ("psnr", "psnr_wrt_clean")
Key = tuple[str, Variant, float]  # (codec label, variant, target bpp)


@dataclass
class Reach:
    """Where one codec on one input misses targets: the targets, on how many images, and the rates it spans."""

    #: target -> images on which it lies outside the rates the codec reached
    missed: dict[float, int] = field(default_factory=dict)
    #: target -> images on which it lies inside them, but no probe came within tolerance
    unmatched: dict[float, int] = field(default_factory=dict)
    low: float = float("inf")
    high: float = 0.0


@dataclass
class AtTargets:
    targets: list[float]
    images: tuple[str, ...]
    #: per (codec, variant, target): per-image bpp reached and values of MEASURES (NaN where not met or no row)
    bpp: dict[Key, np.ndarray]
    values: dict[tuple[Key, str], np.ndarray]
    met: dict[Key, int]
    reach: dict[tuple[str, Variant], Reach]
    probes: dict[str, list[int]]

    def complete(self, key: Key) -> bool:
        return self.met.get(key, 0) == len(self.images)

    def miss(self, key: Key) -> str:
        """"out of reach" or "not matched" when some image misses the target ("" otherwise)."""
        codec, variant, target = key
        found = self.reach.get((codec, variant), Reach())
        return "out of reach" if target in found.missed else "not matched" if target in found.unmatched else ""


def at_targets(matches: list[RateMatch], rows_by_key: dict[str, dict[str, Any]], analysis: Analysis) -> AtTargets:
    """Collect ``matches`` of competing codecs into per-image vectors on ``analysis``'s image axis."""
    position = {name: i for i, name in enumerate(analysis.images)}
    n = len(position)
    targets = sorted({m.target_bpp for m in matches})
    bpp: dict[Key, np.ndarray] = {}
    values: dict[tuple[Key, str], np.ndarray] = {}
    met: dict[Key, int] = defaultdict(int)
    reach: dict[tuple[str, Variant], Reach] = {}
    probes: dict[str, list[int]] = defaultdict(list)
    for match in matches:
        codec = analysis.label({"codec": match.codec, "codec_settings": match.codec_settings})
        row = rows_by_key.get(match.row_key)
        if codec in analysis.baselines or match.image not in position or row is None:
            continue
        variant = (match.corruption, int(match.severity))
        key, i = (codec, variant, float(match.target_bpp)), position[match.image]
        probes[codec].append(match.probes)
        found = reach.setdefault((codec, variant), Reach())
        found.low, found.high = min(found.low, match.reachable[0]), max(found.high, match.reachable[1])
        if key not in bpp:
            bpp[key] = np.full(n, np.nan)
            for measure in MEASURES:
                values[(key, measure)] = np.full(n, np.nan)
        if not match.met:
            low, high = match.reachable
            kind = found.unmatched if low <= key[2] <= high else found.missed
            kind[key[2]] = kind.get(key[2], 0) + 1
            continue
        met[key] += 1
        bpp[key][i] = match.bpp
        for measure in MEASURES:
            value = row.get(measure)
            values[(key, measure)][i] = np.nan if value is None else float(value)
    reach = {k: r for k, r in reach.items() if r.missed or r.unmatched}
    return AtTargets(targets, analysis.images, bpp, values, dict(met), reach, dict(probes))


def out_of_reach_lines(data: AtTargets, describe) -> list[str]:
    """One line per codec, kind of miss and targets missed: the inputs, grouped by the range reached on them."""
    grouped: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for (codec, variant), found in sorted(data.reach.items(), key=lambda item: (item[0][0], item[0][1])):
        for verb, targets in (("cannot reach", found.missed), ("was not matched within tolerance at", found.unmatched)):
            if targets:
                missed = ", ".join(f"{t:g} bpp" + (f" (on {k} of {len(data.images)} images)"
                                                   if k < len(data.images) else "") for t, k in sorted(targets.items()))
                grouped[(f"{codec} {verb}", missed)][f"{found.low:.3g}-{found.high:.3g} bpp"].append(describe(variant))
    return [f"{who} {missed} on " + "; ".join(f"{', '.join(inputs)} (it reaches {span})"
                                              for span, inputs in spans.items())
            for (who, missed), spans in grouped.items()]
