"""Rate-matched coding: rounds of probes through the executor until every (image, input, codec, target) is matched.

Each round asks :func:`~oodnic_platform.ratesearch.next_probe`, for every
target not yet matched, for its next quality; a probe already in the store
(from this run, an earlier one, or another target of the same input) is read
back at once, the others are run together as ordinary rows, each at its own
quality. The search is replayed from its first probe on every run, so a
resumed run recodes nothing and ends where a complete one would. A probe that
failed in this invocation is not proposed again (error rows are retried on the
next run, as every row is).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Callable

from .codec import Quality
from .identity import VariantIdentity, digest, row_key
from .plan import Job, Plan, RateSearch
from .ratesearch import Match, next_probe
from .store import ResultStore

log = logging.getLogger(__name__)

Execute = Callable[[list[tuple[str, int, Job]]], None]


@dataclass
class Case:
    """One (image, input, codec): the probes its targets share."""

    image: str
    sha256: str
    variant: VariantIdentity
    search: RateSearch
    bpp: dict[Quality, float] = field(default_factory=dict)
    failed: set[Quality] = field(default_factory=set)
    keys: dict[Quality, str] = field(default_factory=dict)
    #: target -> the qualities its search asked for (its budget)
    spent: dict[float, set[Quality]] = field(default_factory=dict)


def match_rates(the_plan: Plan, store: ResultStore, execute: Execute) -> list[str]:
    """Run the rate searches of ``the_plan`` to the end, record their matches; returns every probe's key.

    Rounds are synchronous (every open target takes exactly one step, then all
    its probes are resolved), so a resumed run replays the same searches.
    """
    cases = [Case(image, sha, variant, search) for variant in the_plan.spec.variants
             for image, sha in the_plan.spec.image_hashes for search in the_plan.searches]
    open_targets = [(case, target) for case in cases for target in case.search.targets]
    matches: list[dict[str, Any]] = []
    rounds = 0
    while open_targets:
        proposals = []
        for case, target in open_targets:
            mine = case.spent.setdefault(target, set())
            step = next_probe(case.search.scale, target, case.bpp, case.failed, the_plan.rate_tolerance, len(mine))
            if isinstance(step, Match):
                matches.append(_record(the_plan, case, target))
            elif step is not None:
                mine.add(step)
                coder = the_plan.spec.codecs[case.search.codec].identity
                key = case.keys.setdefault(step, row_key(case.image, case.sha256, case.variant, coder, step))
                proposals.append((case, target, step, key))
        open_targets = [(case, target) for case, target, _, _ in proposals]
        outcomes = store.outcomes({key for *_, key in proposals})
        wanted = {key: (case.variant.corruption, case.variant.severity, Job(key, case.image, case.search.codec, step))
                  for case, _, step, key in proposals if outcomes.get(key, ("", None))[0] != "ok"}
        if wanted:
            rounds += 1
            log.info("rate matching, round %d: %d probe(s) for %d open target(s)", rounds, len(wanted),
                     len(open_targets))
            execute(list(wanted.values()))
            outcomes.update(store.outcomes(wanted))
        for case, _, step, key in proposals:
            status, bpp = outcomes.get(key, ("missing", None))
            if status == "ok" and bpp:
                case.bpp[step] = float(bpp)
            else:
                case.failed.add(step)
    for match in matches:
        _settle(match, match.pop("case"), the_plan.rate_tolerance)
    store.record_matches(matches)
    return [case.keys[q] for case in cases for q in (*case.bpp, *case.failed)]


def _settle(match: dict[str, Any], case: Case, tolerance: float) -> None:
    """The case's probe nearest the target in log bpp (another target's probe may be nearer), and the rates reached."""
    target = match["target_bpp"]
    quality, bpp = min(case.bpp.items(), key=lambda item: (abs(math.log(item[1] / target)), item[1]))
    match.update(row_key=case.keys[quality], quality=quality, bpp=bpp, met=int(abs(bpp / target - 1) <= tolerance),
                 reach_low=min(case.bpp.values()), reach_high=max(case.bpp.values()))


def _record(the_plan: Plan, case: Case, target: float) -> dict[str, Any]:
    """A finished search's identity; :func:`_settle` adds its outcome once every search of the run has ended."""
    coder = the_plan.spec.codecs[case.search.codec].identity
    identity = [case.image, case.sha256, case.variant.corruption, case.variant.version, case.variant.plugin,
                case.variant.severity, case.variant.seed, *coder.key_parts]
    return {"match_key": digest([*identity, "target_bpp", target]),
            "codec": coder.name, "codec_settings": coder.settings, "image": case.image,
            "corruption": case.variant.corruption, "severity": case.variant.severity, "target_bpp": target,
            "probes": len(case.spent[target]), "case": case}
