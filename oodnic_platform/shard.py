"""``--shard I/N``: a deterministic part of a grid that keeps every accumulating group whole.

A group of an accumulating metric spans every image of one (input variant,
codec, quality), so the grid is cut along those units: the plan's units, in
plan order, are dealt out in turn to the N shards. Each shard runs into its own
folder; ``oodnic merge`` unions them into the single run's folder.
"""

from __future__ import annotations

from dataclasses import replace

from .errors import ConfigError
from .plan import Plan


def take_shard(the_plan: Plan, index: int, count: int) -> Plan:
    """The jobs and groups of shard ``index`` of ``count`` (1-based)."""
    units = list(dict.fromkeys((corruption, severity, job.codec, job.quality)
                               for corruption, severity, job in the_plan.jobs))
    mine = set(units[index - 1::count])
    jobs = [(c, s, job) for c, s, job in the_plan.jobs if (c, s, job.codec, job.quality) in mine]
    keys = {job.key for _, _, job in jobs}
    groups = {gid: group for gid, group in the_plan.groups.items() if group.keys & keys}
    split = [gid for gid, group in groups.items() if not group.keys <= keys]
    if split:  # a group spanning units: a metric grouping rows some other way
        raise ConfigError(f"--shard {index}/{count} would split array group {split[0]}: run this grid unsharded")
    return replace(the_plan, jobs=jobs, groups=groups)
