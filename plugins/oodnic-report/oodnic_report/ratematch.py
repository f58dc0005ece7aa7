"""Rate-matched rows of a run, read through the public results API: the report's one door to them."""

from __future__ import annotations

from typing import Any

from oodnic_platform.results import RateMatch, Run

__all__ = ["RateMatch", "rate_matches"]


def rate_matches(run: Run, rows: list[dict[str, Any]]) -> list[RateMatch]:
    """The run's rate matches whose chosen row is one of ``rows`` (none for a run at fixed qualities only)."""
    kept = {row["key"] for row in rows}
    return [match for match in run.rate_matches() if match.row_key in kept]
