"""Rate-matched rows of a run, read through the public results API: the report's one door to them."""

from __future__ import annotations

from oodnic_platform.results import RateMatch, Run

__all__ = ["RateMatch", "rate_matches"]


def rate_matches(run: Run) -> list[RateMatch]:
    """Every rate match of the run (none for a run coded at fixed qualities only)."""
    return list(run.rate_matches())
