"""Rate-matched rows of a run, read through the public results API: the report's one door to them."""

from __future__ import annotations

from oodnic_platform.results import RateMatch, Run

__all__ = ["RateMatch", "rate_matches"]


def rate_matches(run: Run, images: list[str]) -> list[RateMatch]:
    """The run's rate matches of ``images`` (none for a run coded at fixed qualities only)."""
    kept = set(images)
    return [match for match in run.rate_matches() if match.image in kept]
