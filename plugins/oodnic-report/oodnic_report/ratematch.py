"""Rate-matched rows of a run: which row answers each (image, input, codec, target rate).

:func:`rate_matches` is the report's one door to them. Until the core's
``Run.rate_matches()`` exists it is served by :func:`nearest_probe`, a stand-in
with the same record: for each target the run's configurations name
(``target_bpp``), the probe nearest in log bpp among the codec's rows on that
image and input, ``met`` when within the tolerance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from oodnic_platform.results import Run

TOLERANCE = 0.05


@dataclass(frozen=True)
class RateMatch:
    """The record of ``oodnic_platform.results.RateMatch``: one matched row and how well it met its target."""

    row_key: str
    codec: str
    codec_settings: str
    image: str
    corruption: str
    severity: int
    target_bpp: float
    quality: float
    bpp: float
    met: bool
    probes: int
    reachable: tuple[float, float]


def rate_matches(run: Run, rows: list[dict[str, Any]], configs: list[dict[str, Any]]) -> list[RateMatch]:
    """Every rate match of the run (none for a run coded at fixed qualities only)."""
    return nearest_probe(rows, configured_targets(configs))


def configured_targets(configs: list[dict[str, Any]]) -> list[float]:
    return sorted({float(t) for c in configs for t in (c.get("target_bpp") or [])})


def nearest_probe(rows: Iterable[dict[str, Any]], targets: Iterable[float],
                  tolerance: float = TOLERANCE) -> list[RateMatch]:
    """Per (image, input, codec) and target: the successful row nearest the target in log bpp."""
    targets = sorted(set(targets))
    cases: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("bpp") and row["bpp"] > 0:
            cases[(row["image"], row["corruption"], int(row["severity"] or 0), row["codec"],
                   row["codec_settings"] or "{}")].append(row)
    out = []
    for (image, corruption, severity, codec, settings), probes in sorted(cases.items()):
        rates = [r["bpp"] for r in probes]
        for target in targets:
            best = min(probes, key=lambda r: (abs(math.log(r["bpp"] / target)), r["key"]))
            out.append(RateMatch(best["key"], codec, settings, image, corruption, severity, target,
                                 float(best["quality"]), float(best["bpp"]),
                                 abs(best["bpp"] / target - 1) <= tolerance, len(probes),
                                 (min(rates), max(rates))))
    return out
