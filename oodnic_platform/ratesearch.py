"""Rate matching: the next quality to code for a target bpp, given the qualities coded so far.

Pure and deterministic: the driver replays a search from its first probe on
every run, so resuming needs no state but the rows. The search works in the
codec's *rate order* ``u`` (rising with bpp) on a log or linear quality axis:
secant steps on log bpp inside a bracket (kept a tenth of the bracket away from
its ends), extrapolation toward the target outside one (from the two probes
nearest the target's side, or from the codec's ``ladder_bpp`` while there is
one). It stops when a probe is within the tolerance (*met*); when two adjacent
integer qualities or ladder points bracket the target (the nearest is taken);
when the range's end is on the wrong side of the target (unreachable: the other
end is coded once, so the codec's reachable range is known); or when the
target's own probe budget is spent (probes other targets coded are used too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Collection, Mapping, Sequence

from .codec import Codec, Quality

SCALES = ("continuous", "integer", "ladder")
AXES = ("linear", "log")
DEFAULT_TOLERANCE = 0.05
#: Significant digits a continuous probe keeps (row keys stay short and stable).
SIGNIFICANT = 4
#: Extrapolation steps at most this many default-ladder spans.
MAX_STEP = 1.5

Point = tuple[float, Quality, float]  # (rate order u, quality, bpp)


@dataclass(frozen=True)
class Scale:
    """A codec's declared quality scale, resolved (see the ``Codec`` attributes of the same names)."""

    kind: str
    rises: bool
    low: Quality
    high: Quality
    axis: str
    #: the default ladder, low to high rate (the only qualities of a ``"ladder"`` scale)
    ladder: tuple[Quality, ...]
    ladder_bpp: tuple[float, float]
    probes: int
    #: whole-number qualities are written as integers (the keys of a ladder of integers stay the same)
    integral: bool = False

    @classmethod
    def of(cls, codec: Codec, probes: int | None = None) -> "Scale":
        """The scale ``codec`` declares; ``ValueError`` (one line) for a declaration that cannot be searched."""
        ladder = tuple(codec.qualities)
        kind = codec.quality_scale or ("ladder" if codec.quality_range is None
                                       else "integer" if codec.quality_is_integer() else "continuous")
        if kind not in SCALES:
            raise ValueError(f"{codec.name}: quality_scale must be one of {', '.join(SCALES)}, not {kind!r}")
        rises = codec.rate_rises if codec.rate_rises is not None else ladder[-1] >= ladder[0]
        if not isinstance(rises, bool) or (len(ladder) > 1 and rises != (ladder[-1] > ladder[0])):
            raise ValueError(f"{codec.name}: rate_rises must be True or False, as the ladder (low to high rate) "
                             f"runs, not {codec.rate_rises!r}")
        low, high = codec.rate_range or codec.quality_range or (min(ladder), max(ladder))
        if kind != "ladder":
            for end in (low, high):
                codec.check_quality(end)
        axis = codec.rate_axis or ("log" if kind != "ladder" and low > 0 else "linear")
        if axis not in AXES:
            raise ValueError(f"{codec.name}: rate_axis must be linear or log, not {axis!r}")
        bounds = tuple(codec.ladder_bpp)
        if len(bounds) != 2 or not all(isinstance(b, (int, float)) and math.isfinite(b) for b in bounds) \
                or not 0 < bounds[0] < bounds[1]:
            raise ValueError(f"{codec.name}: ladder_bpp must be two increasing positive rates, not {bounds!r}")
        if kind == "ladder":
            ladder = tuple(sorted(ladder, reverse=not rises))
        budget = codec.rate_probes if probes is None else probes
        if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
            raise ValueError(f"{codec.name}: the probe budget must be a positive integer, not {budget!r}")
        integral = all(isinstance(q, int) and not isinstance(q, bool) for q in ladder)
        return cls(kind, rises, low, high, axis, ladder, bounds, budget, integral)

    def position(self, quality: Quality) -> float:
        """Where ``quality`` lies in rate order (larger: more bits)."""
        if self.kind == "ladder":
            return float(self.ladder.index(quality))
        x = math.log(quality + self.shift) if self.axis == "log" else float(quality)
        return x if self.rises else -x

    def quality(self, u: float) -> Quality:
        """The valid quality nearest to rate order ``u``, inside the range."""
        if self.kind == "ladder":
            return self.ladder[min(max(round(u), 0), len(self.ladder) - 1)]
        x = u if self.rises else -u
        q = min(max(math.exp(x) - self.shift if self.axis == "log" else x, self.low), self.high)
        if self.kind == "integer":
            return min(max(int(round(q)), math.ceil(self.low)), math.floor(self.high))
        q = _significant(float(q))
        return int(q) if self.integral and q.is_integer() else q

    @property
    def shift(self) -> float:
        """What the log axis adds to a quality: 0 over a positive range, else what brings its low end to 1."""
        return 0.0 if self.low > 0 else 1.0 - self.low

    @property
    def ends(self) -> tuple[Quality, Quality]:
        """The qualities of lowest and highest rate."""
        if self.kind == "ladder":
            return self.ladder[0], self.ladder[-1]
        low, high = self.quality(self.position(self.low)), self.quality(self.position(self.high))
        return (low, high) if self.rises else (high, low)

    @property
    def span(self) -> float:
        """The default ladder's extent in rate order."""
        return abs(self.position(self.ladder[-1]) - self.position(self.ladder[0]))

    @property
    def slope(self) -> float:
        """The assumed d log(bpp) / du before two probes measure it (from ``ladder_bpp``)."""
        return math.log(self.ladder_bpp[1] / self.ladder_bpp[0]) / self.span if self.span > 0 else 1.0

    def guess(self, target: float) -> Quality:
        """The first probe for ``target``: ``ladder_bpp`` interpolated in log bpp along the ladder."""
        start = min(self.position(q) for q in self.ladder)
        return self.quality(start + math.log(target / self.ladder_bpp[0]) / self.slope)


@dataclass(frozen=True)
class Match:
    """Where a search ended: the probe chosen, its bpp, and whether it meets the tolerance."""

    quality: Quality
    bpp: float
    met: bool


def next_probe(scale: Scale, target: float, probes: Mapping[Quality, float], failed: Collection[Quality] = (),
               tolerance: float = DEFAULT_TOLERANCE, spent: int | None = None) -> Quality | Match | None:
    """The next quality to code for ``target`` bpp, or the :class:`Match` (``None``: every probe failed).

    ``probes`` maps each quality coded so far on this input to its bpp, in the
    order they were coded;
    ``failed`` holds qualities whose coding failed (never proposed again);
    ``spent``: how many of them this target proposed (default: all), against
    ``scale.probes``.
    """
    tried = set(probes) | set(failed)
    coded = [(scale.position(q), q, b) for q, b in probes.items()]
    points = sorted(coded)
    best = min(points, key=lambda p: (abs(math.log(p[2] / target)), p[0])) if points else None
    if best is not None and abs(best[2] / target - 1) <= tolerance:
        return Match(best[1], best[2], True)
    if (len(tried) if spent is None else spent) >= scale.probes:
        return Match(best[1], best[2], False) if best else None
    if best is None:
        first = scale.guess(target)
        return None if first in tried else first
    below = [p for p in points if p[2] < target]
    lo = max(below) if below else None
    hi = min((p for p in points if p[2] > target and (lo is None or p[0] > lo[0])), default=None)
    if lo is not None and hi is not None:
        return _inside(scale, target, lo, hi, coded, tried)
    return _outside(scale, target, points, best, lo is None, tried)


def _inside(scale: Scale, target: float, lo: Point, hi: Point, coded: list[Point], tried: set) -> Quality | Match:
    """A step between the bracket ``lo`` < target < ``hi``; adjacent ends: the nearest of them.

    Inverse quadratic interpolation in log bpp through the bracket and the
    probe nearest it (the curve's bend), else a secant step; never within a
    tenth of the bracket of its ends. Where the latest probes all fell on one
    side, the end kept meanwhile counts half as far from the target per extra
    probe (the Illinois rule: a bent curve cannot hold the search at one end).
    """
    width = hi[0] - lo[0]
    y, ylo, yhi = math.log(target), math.log(lo[2]), math.log(hi[2])
    kept = _same_side_run(coded, target)
    if kept > 1:
        shrink = 0.5 ** (kept - 1)
        if coded[-1][2] < target:
            yhi = y + (yhi - y) * shrink
        else:
            ylo = y + (ylo - y) * shrink
    u = lo[0] + width * (y - ylo) / (yhi - ylo)
    others = [p for p in coded if p not in (lo, hi)]
    if others and kept <= 1:
        third = min(others, key=lambda p: min(abs(p[0] - lo[0]), abs(p[0] - hi[0])))
        quadratic = _inverse_quadratic(y, (lo[0], ylo), (hi[0], yhi), (third[0], math.log(third[2])))
        if quadratic is not None and lo[0] < quadratic < hi[0]:
            u = quadratic
    u = min(max(u, lo[0] + 0.1 * width), hi[0] - 0.1 * width)
    q = _untried_between(scale, u, lo, hi, tried)
    if q is not None:
        return q
    near = min((lo, hi), key=lambda p: abs(math.log(p[2] / target)))
    return Match(near[1], near[2], False)


def _same_side_run(coded: list[Point], target: float) -> int:
    """How many of the latest probes lie on the same side of the target."""
    below = coded[-1][2] < target
    run = 0
    for point in reversed(coded):
        if (point[2] < target) != below:
            break
        run += 1
    return run


def _inverse_quadratic(y: float, *points: tuple[float, float]) -> float | None:
    """u at log bpp ``y`` on the quadratic u(log bpp) through three (u, log bpp) points; ``None`` if degenerate."""
    (u0, y0), (u1, y1), (u2, y2) = points
    if len({y0, y1, y2}) < 3:
        return None
    return (u0 * (y - y1) * (y - y2) / ((y0 - y1) * (y0 - y2)) + u1 * (y - y0) * (y - y2) / ((y1 - y0) * (y1 - y2))
            + u2 * (y - y0) * (y - y1) / ((y2 - y0) * (y2 - y1)))


def _untried_between(scale: Scale, u: float, lo: Point, hi: Point, tried: set) -> Quality | None:
    """The untried valid quality strictly inside (lo, hi) nearest to ``u``, if any."""
    q = scale.quality(u)
    if lo[0] < scale.position(q) < hi[0] and q not in tried:
        return q
    if scale.kind == "continuous":
        return None  # the bracket is narrower than a quality's resolution
    inside: Sequence[Quality]
    if scale.kind == "ladder":
        inside = [c for c in scale.ladder if lo[0] < scale.position(c) < hi[0] and c not in tried]
    else:
        a, b = sorted((lo[1], hi[1]))
        centre = min(max(int(q), int(a) + 1), int(b) - 1)
        inside = [c for step in range(int(b) - int(a)) for c in (centre - step, centre + step)
                  if a < c < b and c not in tried][:1]
    return min(inside, key=lambda c: abs(scale.position(c) - u), default=None)


def _outside(scale: Scale, target: float, points: list[Point], best: Point, lower: bool,
             tried: set) -> Quality | Match:
    """Every probe above (``lower``: the rate must fall) or below the target: step toward it, or stop at the end."""
    edge = points[0] if lower else points[-1]
    end, other = (scale.ends[0], scale.ends[1]) if lower else (scale.ends[1], scale.ends[0])
    if edge[1] == end or end in tried:
        # unreachable: code the other end once, so the reachable range is known
        return other if other not in tried else Match(best[1], best[2], False)
    slope = scale.slope
    if len(points) >= 2:
        second = points[1] if lower else points[-2]
        measured = (math.log(edge[2]) - math.log(second[2])) / (edge[0] - second[0])
        slope = measured if measured > 0 else slope
    step = math.log(target / edge[2]) / slope
    limit = MAX_STEP * (scale.span or 1.0)
    q = scale.quality(edge[0] + max(-limit, min(limit, step)))
    nearer = q not in tried and (scale.position(q) < edge[0] if lower else scale.position(q) > edge[0])
    chosen = q if nearer else _next_valid(scale, edge[1], lower)
    return Match(best[1], best[2], False) if chosen is None or chosen in tried else chosen


def _next_valid(scale: Scale, quality: Quality, lower: bool) -> Quality | None:
    """The neighbouring quality of lower (or higher) rate on an integer or ladder scale; ``None`` if continuous."""
    if scale.kind == "continuous":
        return None
    if scale.kind == "ladder":
        index = scale.ladder.index(quality) + (-1 if lower else 1)
        return scale.ladder[index] if 0 <= index < len(scale.ladder) else None
    q = quality + (-1 if lower == scale.rises else 1)
    return q if scale.low <= q <= scale.high else None


def _significant(value: float) -> float:
    if value == 0:
        return 0.0
    return round(value, SIGNIFICANT - 1 - math.floor(math.log10(abs(value))))
