"""The driver: plan, lock the run folder, skip what is done, run chunks, commit, finalize arrays, match rates.

A row is done when it succeeded and holds the values of every requested metric
(same metric identities). A group of an accumulating metric is finalized into
``arrays/`` as soon as every planned row of it is counted, and its running sum
is dropped; a later run that adds rows to a complete group sums it again from
scratch, so every array always counts each of its rows exactly once.

Rate-matched codecs (``--target-bpp``) are searched in synchronous rounds: every
target not yet matched takes one step of :func:`~oodnic_platform.ratesearch.next_probe`,
the probes the store lacks run together as ordinary rows (each at its own
quality, shared between targets), and their bpp are read back. A resumed run
replays the same rounds, finding every probe already done.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import math
import platform
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from tqdm import tqdm

from . import __version__
from .codec import Quality
from .config import ConfigError, RunConfig, parse_shard
from .errors import unknown
from .config import device_for
from .executor import Executor
from .identity import VariantIdentity, digest, row_key
from .plan import Job, Plan, RateSearch, make_chunks, plan, take_shard
from .plugins import Registry, get_registry, use_registry
from .ratesearch import Match, next_probe
from .results import open_run
from .store import STORE_NAME, ArrayRecord, ResultStore, RunLock, check_writable, prepare_run_dir
from .worker import ChunkResult

log = logging.getLogger(__name__)


#: What the run's summary and error report need of each planned row.
OUTCOME_COLUMNS = ("key", "status", "codec", "codec_settings", "frequency", "image", "corruption", "severity",
                   "quality", "bpp", "psnr", "metrics", "bitstream_sha256", "error", "traceback")


@dataclass
class RunOutcome:
    """What a run did: every planned row (:data:`OUTCOME_COLUMNS`), how many were skipped, and warnings."""

    run_dir: Path
    total: int
    skipped: int
    failed: int
    rows: list[dict[str, Any]]
    collapsed: int = 0
    warnings: tuple[str, ...] = ()
    #: rate-matched targets within the tolerance, of all searched (image, input, codec, target)
    matched: tuple[int, int] = (0, 0)

    @property
    def keys(self) -> list[str]:
        return [row["key"] for row in self.rows]


def make_executor(config: RunConfig, registry: Registry) -> Executor:
    if config.executor not in registry.executors:
        raise ConfigError(unknown("executor", config.executor, registry.executors))
    try:
        return registry.executors[config.executor](workers=config.workers, **config.executor_options)
    except TypeError as exc:
        option = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
        if option is None:
            raise ConfigError(f"executor {config.executor}: {exc}") from None
        raise ConfigError(f"executor {config.executor} takes no option {option[1]!r} (an executor that does: "
                          f"{', '.join(sorted(set(registry.executors) - {config.executor})) or 'none installed'})") from None
    except ValueError as exc:
        raise ConfigError(f"executor {config.executor}: {exc}") from None


def pending_jobs(the_plan: Plan, store: ResultStore) -> tuple[list[tuple[str, int, Job]], list[str]]:
    """Jobs whose row is not done, or that still owe an accumulating metric their contribution, and the
    complete groups that gain rows (to be summed again from scratch: see :meth:`ResultStore.reopen_group`)."""
    wanted = dict(zip((m.name for m in the_plan.metrics), the_plan.spec.metric_ids))
    finished = store.finished()
    counted = store.counted()
    complete = {gid for gid, (_, done) in store.array_groups().items() if done}
    owed: dict[str, set[tuple[int, str]]] = {}
    reopened = []
    for gid, group in the_plan.groups.items():
        have = counted.get(gid, set())
        if gid in complete and group.keys - have:  # a complete group gains rows: sum it again from scratch
            reopened.append(gid)
            have = set()
        for key in group.keys - have:
            owed.setdefault(key, set()).add((group.metric, gid))
    parsed: dict[str | None, dict[str, str]] = {}
    pending = []
    for corruption, severity, job in the_plan.jobs:
        metrics = finished.get(job.key, "missing")
        if metrics not in parsed:
            parsed[metrics] = json.loads(metrics) if metrics and metrics != "missing" else {}
        done = metrics != "missing" and wanted.items() <= parsed[metrics].items()
        debts = tuple(sorted(owed.get(job.key, ())))
        if not done or debts:
            pending.append((corruption, severity, Job(job.key, job.image, job.codec, job.quality, debts)))
    return pending, reopened


def run(config: RunConfig, registry: Registry | None = None, progress: bool = True) -> RunOutcome:
    """Run (or resume) the grid of ``config``. Every mistake is found before anything is written."""
    if registry is None:
        registry = get_registry()
    else:
        use_registry(registry)  # in-process workers use the caller's registry too
    config.check()
    the_plan = plan(config, registry)
    if config.shard is not None:
        the_plan = take_shard(the_plan, *parse_shard(config.shard))
    executor = make_executor(config, registry)
    run_dir = config.resolved_run_dir()
    check_writable(run_dir)
    lock = RunLock(prepare_run_dir(run_dir))
    store = ResultStore(run_dir / STORE_NAME)
    try:
        store.claim_dataset(the_plan.spec.dataset_identity)
        store.record_run({**config.to_dict(), "seed": the_plan.spec.seed, "started": time.time(),
                          "environment": environment(the_plan, registry)})
        pending, reopened = pending_jobs(the_plan, store)
        for gid in reopened:
            log.info("group %s gains rows: summing it again", gid)
            store.reopen_group(gid)
        store.make_current(job.key for _, _, job in the_plan.jobs)
        log.info("%s: %d rows planned (%d images x %d inputs), %d to run, %d array groups; executor %s",
                 run_dir, len(the_plan.jobs), len(the_plan.images), len(the_plan.spec.variants), len(pending),
                 len(the_plan.groups), executor.describe())
        _run_chunks(the_plan, config, executor, store, pending, progress)
        finalize_open_groups(the_plan, store)
        fixed = [job.key for _, _, job in the_plan.jobs]
        ran = len(pending)

        def execute(jobs: list[tuple[str, int, Job]]) -> None:
            nonlocal ran
            ran += len(jobs)
            _run_chunks(the_plan, config, executor, store, jobs, progress, total=len(jobs))

        probes, matches = match_rates(the_plan, store, execute) if the_plan.searches else ([], [])
        keys = list(dict.fromkeys(fixed + probes))
        rows = store.rows_of(keys, OUTCOME_COLUMNS)
    finally:
        store.close()
        lock.release()
    order = {key: i for i, key in enumerate(keys)}
    rows.sort(key=lambda row: order[row["key"]])
    failed = sum(row["status"] != "ok" for row in rows)
    planned = set(fixed)
    notes = identical_bitstreams([row for row in rows if row["key"] in planned]) + unsummed_note(the_plan)
    return RunOutcome(run_dir, len(keys), len(keys) - ran, failed, rows, the_plan.collapsed, notes,
                      (sum(m["met"] for m in matches), len(matches)))


def unsummed_note(the_plan: Plan) -> tuple[str, ...]:
    """Accumulating metrics sum over fixed-quality rows only: said where a run also rate-matches."""
    names = [m.name for m in the_plan.metrics if m.accumulates]
    if not the_plan.searches or not names:
        return ()
    return (f"{', '.join(names)}: summed over fixed-quality rows only, not over rate-matched probes",)


@dataclass
class Case:
    """One (image, input, rate-matched codec): the probes its targets share."""

    image: str
    sha256: str
    variant: VariantIdentity
    search: RateSearch
    bpp: dict[Quality, float] = field(default_factory=dict)
    failed: set[Quality] = field(default_factory=set)
    keys: dict[Quality, str] = field(default_factory=dict)
    #: target -> the qualities its search asked for (its budget)
    spent: dict[float, set[Quality]] = field(default_factory=dict)


def match_rates(the_plan: Plan, store: ResultStore,
                execute: Callable[[list[tuple[str, int, Job]]], None]) -> tuple[list[str], list[dict[str, Any]]]:
    """Run the plan's rate searches in synchronous rounds to their ends, record the matches; returns the probes'
    keys and the matches.

    A probe that failed in this invocation is not proposed again (error rows are retried on the next run).
    """
    cases = [Case(image, sha, variant, search) for variant, search in the_plan.search_cases()
             for image, sha in the_plan.spec.image_hashes]
    open_targets = [(case, target) for case in cases for target in case.search.targets]
    ended: list[tuple[Case, float]] = []
    rounds = 0
    while open_targets:
        proposals = []
        for case, target in open_targets:
            mine = case.spent.setdefault(target, set())
            step = next_probe(case.search.scale, target, case.bpp, case.failed, the_plan.rate_tolerance, len(mine))
            if isinstance(step, Match):
                ended.append((case, target))
            elif step is not None:
                mine.add(step)
                coder = the_plan.spec.coder(case.search.codec)
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
    matches = [rate_match(the_plan, case, target) for case, target in ended]
    store.record_matches(matches)
    return [case.keys[q] for case in cases for q in (*case.bpp, *case.failed)], matches


def rate_match(the_plan: Plan, case: Case, target: float) -> dict[str, Any]:
    """The record of a finished search: the case's probe nearest the target in log bpp (another target's probe
    may be nearer than the search's own end), whether it is within the tolerance, and the rates reached."""
    coder = the_plan.spec.coder(case.search.codec)
    identity = [case.image, case.sha256, case.variant.corruption, case.variant.version, case.variant.plugin,
                case.variant.severity, case.variant.seed, *coder.key_parts]
    quality, bpp = min(case.bpp.items(), key=lambda item: (abs(math.log(item[1] / target)), item[1]))
    return {"match_key": digest([*identity, "target_bpp", target]), "row_key": case.keys[quality],
            "codec": coder.name, "codec_settings": coder.settings, "image": case.image,
            "corruption": case.variant.corruption, "severity": case.variant.severity, "target_bpp": target,
            "quality": quality, "bpp": bpp, "met": int(abs(bpp / target - 1) <= the_plan.rate_tolerance),
            "probes": len(case.spent[target]), "reach_low": min(case.bpp.values()),
            "reach_high": max(case.bpp.values())}


def _run_chunks(the_plan: Plan, config: RunConfig, executor: Executor, store: ResultStore,
                pending: list[tuple[str, int, Job]], progress: bool, total: int | None = None) -> None:
    total = len(the_plan.jobs) if total is None else total
    bar = _progress(total, total - len(pending), progress, executor.describe())
    executor.progress = bar.update if executor.reports_rows else None
    counted = store.counted()
    try:
        for result in executor.run(the_plan.spec, make_chunks(pending, config.images_per_chunk)):
            done = {gid: part for gid, part in result.groups.items() if gid in the_plan.groups
                    and the_plan.groups[gid].keys <= counted.get(gid, set()) | set(part.keys)}
            # a group whose every row is in this chunk is finalized from memory, its arrays indexed in the
            # chunk's own transaction; one with an earlier running sum is finalized after the commit
            whole = {gid: part for gid, part in done.items() if not store.has_contribution(gid)}
            arrays = {gid: save_group(the_plan, store, gid, part.arrays, len(part.keys), True)
                      for gid, part in whole.items()}
            commit(store, result, arrays)
            log.debug("chunk from %s: %d rows committed", result.worker, len(result.rows))
            if not executor.reports_rows:
                bar.update(len(result.rows))
            for gid, part in result.groups.items():
                counted.setdefault(gid, set()).update(part.keys)
            for gid in done.keys() - whole.keys():
                finalize_group(the_plan, store, gid, complete=True)
    finally:
        executor.progress = None
        bar.close()


def commit(store: ResultStore, result: ChunkResult, arrays: dict[str, ArrayRecord] | None = None) -> None:
    """Save a chunk's sample crops, then its rows, contributions and finalized groups in one transaction."""
    if result.samples:
        store.save_samples(result.samples)
    store.commit_chunk(result.rows, result.groups, arrays or {})


def save_group(the_plan: Plan, store: ResultStore, gid: str, total: dict, rows: int, complete: bool) -> ArrayRecord:
    """The configured metric's arrays of a group's sum, written beside the store; returns their index record."""
    group = the_plan.groups[gid]
    metric = the_plan.metrics[group.metric]
    metadata = {**group.meta, "rows": rows, "complete": complete, **metric.metadata()}
    rel = store.write_arrays(metric.name, gid, metric.finalize(total), metadata)
    log.debug("finalized %s over %d rows (%s)", rel, rows, "complete" if complete else "partial")
    return ArrayRecord(metric.name, group.meta, rel, rows, complete)


def finalize_group(the_plan: Plan, store: ResultStore, gid: str, complete: bool) -> None:
    """Finalize a group from its stored running sum (dropped once the group is complete)."""
    found = store.contribution(gid)
    if found is None:
        return
    record = save_group(the_plan, store, gid, *found, complete)
    store.record_array(gid, record.metric, record.meta, record.path, record.rows, record.complete)


def finalize_open_groups(the_plan: Plan, store: ResultStore) -> None:
    """Finalize this plan's groups that still have a running sum (some rows failed or were not run)."""
    counted = store.counted()
    for gid in store.open_groups():
        if gid in the_plan.groups:
            finalize_group(the_plan, store, gid, complete=the_plan.groups[gid].keys <= counted.get(gid, set()))


def identical_bitstreams(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    """Warnings for codecs whose different qualities wrote identical bitstreams (a fixed-rate model?)."""
    seen: dict[tuple, set] = {}
    for row in rows:
        if row["status"] == "ok":
            identity = ("codec", "codec_settings", "image", "corruption", "severity", "bitstream_sha256")
            seen.setdefault(tuple(row[c] for c in identity), set()).add(row["quality"])
    clashes: dict[str, list[set]] = {}
    for (codec, *_), qualities in seen.items():
        if len(qualities) > 1:
            clashes.setdefault(codec, []).append(qualities)
    return tuple(f"codec {codec}: qualities {', '.join(map(str, sorted(set().union(*sets))))} wrote identical "
                 f"bitstreams for {len(sets)} input(s): the quality may not change the rate (a fixed-rate model?)"
                 for codec, sets in sorted(clashes.items()))


def environment(the_plan: Plan, registry: Registry) -> dict[str, Any]:
    """Where and with what a run ran: recorded with each invocation (torch only described, never imported here)."""
    facts: dict[str, Any] = {"platform": platform.platform(), "python": sys.version.split()[0],
                             "numpy": np.__version__, "oodnic-platform": __version__, "hostname": platform.node()}
    try:
        facts["torch"] = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        facts["torch"] = "not installed"
    uses_torch = any(registry.codecs[c.name].resource == "gpu" for c in the_plan.spec.codecs) \
        or any(m.resource == "gpu" for m in the_plan.metrics)
    if uses_torch:
        facts["device"] = device_for("gpu", the_plan.spec.device)
        if facts["device"].startswith("cuda"):
            import torch

            facts["device_name"] = torch.cuda.get_device_name(torch.device(facts["device"]))
    used = [("codec", c.name) for c in the_plan.spec.codecs] + [("metric", m.name) for m in the_plan.metrics] + \
        [("corruption", v.corruption) for v in the_plan.spec.variants if not v.is_clean]
    facts["plugins"] = {f"{kind} {name}": registry.plugin_label(kind, name) for kind, name in dict.fromkeys(used)}
    return facts


def _progress(total: int, initial: int, enabled: bool, where: str) -> Any:
    return tqdm(total=total, initial=initial, unit="row", desc=f"oodnic run ({where})", disable=not enabled,
                file=sys.stderr, dynamic_ncols=True, smoothing=0.05)


def merge_runs(sources: list[Path], into: Path) -> tuple[int, int]:
    """Add every source's rows and array groups to ``into`` (created if need be); (rows, groups) added.

    A row or group that two folders hold with other values is a one-line :class:`ConfigError`.
    """
    for source in sources:
        if source.resolve() == into.resolve():
            raise ConfigError(f"--into {into} is also a folder to merge")
        open_run(source).close()  # a one-line RunError unless it is a readable run folder
    check_writable(into)
    lock = RunLock(prepare_run_dir(into))
    store = ResultStore(into / STORE_NAME)
    rows = groups = 0
    try:
        for source in sources:
            added = store.absorb(source)
            rows, groups = rows + added[0], groups + added[1]
    finally:
        store.close()
        lock.release()
    return rows, groups
