"""The driver: expand the grid, skip finished rows, run chunks on an executor, commit, finalize."""

from __future__ import annotations

import json
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .codec import Codec
from .config import CodecChoice, ConfigError, RunConfig
from .executor import Executor
from .plugins import Registry, get_registry
from .store import ResultStore
from .work import (DEVICE_RE, Chunk, CodecSpec, Job, RunSpec, build_metric, resolve_dataset, resolve_device,
                   row_key)

CLEAN = ("clean", 0)


@dataclass
class RunOutcome:
    run_dir: Path
    total: int
    skipped: int
    failed: int
    store: ResultStore
    keys: list[str]


def select_codecs(config: RunConfig, registry: Registry) -> list[tuple[CodecSpec, Codec, list[Any]]]:
    """The configured codecs with their qualities; an unknown or unavailable choice is a one-line error
    (or, for a choice marked ``optional``, a warning and a skip)."""
    if config.codecs is None:
        names = [n for n, c in sorted(registry.codecs.items()) if c.unavailable_reason() is None]
        choices = [CodecChoice(n) for n in names]
    else:
        choices = config.codecs
    selected = []
    for choice in choices:
        try:
            selected.append(_select_codec(choice, registry))
        except ConfigError as exc:
            if not choice.optional:
                raise
            warnings.warn(f"skipping optional codec {choice.name}: {exc}", RuntimeWarning, stacklevel=2)
    if not selected:
        raise ConfigError("no codec is installed and available (see `oodnic plugins`)")
    return selected


def _select_codec(choice: CodecChoice, registry: Registry) -> tuple[CodecSpec, Codec, list[Any]]:
    name, settings = choice.name, choice.settings
    if name not in registry.codecs:
        raise ConfigError(f"unknown codec {name!r} (installed: {', '.join(sorted(registry.codecs)) or 'none'})")
    try:
        codec = registry.codecs[name].configure(**settings) if settings else registry.codecs[name]
    except (ValueError, TypeError) as exc:
        raise ConfigError(str(exc)) from None
    reason = codec.unavailable_reason()
    if reason:
        raise ConfigError(f"codec {name} is unavailable: {reason}")
    ladder = list(choice.qualities) if choice.qualities is not None else list(codec.qualities)
    if not ladder:
        raise ConfigError(f"codec {name}: no qualities given and no default ladder")
    return CodecSpec(name, tuple(sorted(settings.items()))), codec, ladder


def select_variants(config: RunConfig, registry: Registry) -> list[tuple[str, int]]:
    names = list(config.corruptions)
    if names == ["all"]:
        names = sorted(registry.corruptions)
    for name in names:
        if name not in registry.corruptions:
            raise ConfigError(
                f"unknown corruption {name!r} (installed: {', '.join(sorted(registry.corruptions)) or 'none'})"
            )
    variants = [CLEAN] if config.clean else []
    for name in names:
        supported = set(registry.corruptions[name].severities)
        for severity in config.severities:
            if severity not in supported:
                raise ConfigError(f"corruption {name} has no severity {severity} (has {sorted(supported)})")
            variants.append((name, severity))
    if not variants:
        raise ConfigError("nothing to run: no clean input and no corruption selected")
    return variants


def select_metrics(config: RunConfig, registry: Registry) -> tuple[str, ...]:
    """Metric choices (``NAME`` or ``NAME:key=value,...``); ``all`` = every metric with ``default = True``.

    ``bpp`` is always measured. Each choice is built once here so a mistake is a one-line error.
    """
    choices: list[str] = []
    for text in config.metrics:
        if text == "all":
            choices += [n for n, m in sorted(registry.metrics.items()) if m.default]
        else:
            choices.append(text)
    choices = list(dict.fromkeys(["bpp", *choices]))
    for text in choices:
        build_metric(registry, text)
    return tuple(choices)


def plan(config: RunConfig, registry: Registry) -> tuple[RunSpec, list[tuple[str, int, Job]], list[str]]:
    """Expand the configuration into jobs: (corruption, severity, job) triples, in a deterministic order."""
    dataset = resolve_dataset(registry, config.dataset, config.dataset_options)
    refs = dataset.images()
    codecs = select_codecs(config, registry)
    variants = select_variants(config, registry)
    metrics = select_metrics(config, registry)
    if dataset.seed is not None:
        config.seed = dataset.seed
    if config.images:
        refs = refs[: config.images]
    spec = RunSpec(
        dataset=config.dataset,
        dataset_options=tuple(sorted(config.dataset_options.items())),
        codecs=tuple(c[0] for c in codecs),
        metrics=metrics,
        seed=config.seed,
        device=config.device,
        max_pixels=config.max_pixels,
        sample_image=refs[0].name if refs else "",
    )
    jobs = []
    for corruption, severity in variants:
        cversion = registry.corruptions[corruption].version() if corruption != "clean" else ""
        seed = None if corruption == "clean" else config.seed
        for ref in refs:
            for index, (cspec, codec, ladder) in enumerate(codecs):
                settings, version = codec.settings(), codec.version()
                for quality in ladder:
                    key = row_key(ref.name, ref.sha256, corruption, cversion, severity, seed, cspec.name, version, settings, quality)
                    jobs.append((corruption, severity, Job(key, ref.name, index, quality)))
    return spec, jobs, [ref.name for ref in refs]


def make_chunks(jobs: list[tuple[str, int, Job]], images_per_chunk: int) -> list[Chunk]:
    """Group pending jobs by input variant, ``images_per_chunk`` images per chunk."""
    grouped: dict[tuple[str, int], dict[str, list[Job]]] = {}
    for corruption, severity, job in jobs:
        grouped.setdefault((corruption, severity), {}).setdefault(job.image, []).append(job)
    chunks = []
    for (corruption, severity), by_image in grouped.items():
        images = list(by_image)
        for start in range(0, len(images), max(1, images_per_chunk)):
            batch = [job for image in images[start : start + images_per_chunk] for job in by_image[image]]
            chunks.append(Chunk(corruption, severity, tuple(batch)))
    return chunks


def make_executor(config: RunConfig, registry: Registry) -> Executor:
    if config.executor not in registry.executors:
        raise ConfigError(
            f"unknown executor {config.executor!r} (installed: {', '.join(sorted(registry.executors))})"
        )
    options = {"workers": config.workers, **config.executor_options}
    try:
        return registry.executors[config.executor](**options)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"executor {config.executor}: {exc}") from None


def run(config: RunConfig, registry: Registry | None = None, progress: bool = True) -> RunOutcome:
    """Run (or resume) the grid of ``config``; returns counts and the open store."""
    registry = registry or get_registry()
    spec, jobs, _ = plan(config, registry)
    if config.executor == "local":
        resolve_device(config.device)
    elif not DEVICE_RE.match(config.device):  # remote workers resolve it on their own machines
        resolve_device(config.device)
    executor = make_executor(config, registry)
    run_dir = config.resolved_run_dir()
    store = ResultStore(run_dir / "results.sqlite")
    store.record_run(config.to_dict())
    done = store.finished_keys()
    pending = [j for j in jobs if j[2].key not in done]
    chunks = make_chunks(pending, config.images_per_chunk)
    bar = _progress(len(jobs), len(jobs) - len(pending), progress, executor.describe())
    for result in executor.run(spec, chunks):
        save_samples(run_dir, result.samples)
        store.commit_chunk(result.rows, result.contributions)
        bar.update(len(result.rows))
    bar.close()
    finalize_arrays(store, registry, run_dir)
    keys = [j[2].key for j in jobs]
    failed = count_failed(store, keys)
    return RunOutcome(run_dir, len(jobs), len(jobs) - len(pending), failed, store, keys)


def save_samples(run_dir: Path, samples: dict[str, bytes]) -> None:
    """Centre crops of the sample image: ``samples/input-<corruption>-<severity>.png`` and ``samples/<row key>.png``."""
    folder = run_dir / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    for name, png in samples.items():
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(png)
        tmp.replace(folder / name)


def count_failed(store: ResultStore, keys: list[str]) -> int:
    wanted = set(keys)
    return sum(1 for r in store.conn.execute("SELECT key FROM results WHERE status != 'ok'") if r[0] in wanted)


def _progress(total: int, initial: int, enabled: bool, where: str):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="row", desc=f"oodnic run ({where})", disable=not enabled,
                file=sys.stderr, dynamic_ncols=True)


def finalize_arrays(store: ResultStore, registry: Registry, run_dir: Path) -> None:
    """Turn each group's summed contributions into the metric's arrays, saved as .npz beside the store."""
    for gid, metric_name, meta, total in store.contributions():
        metric = registry.metrics.get(metric_name)
        if metric is None:
            continue
        arrays = metric.finalize(total)
        info = {**meta, "metric": metric_name, **metric.metadata()}
        rel = Path("arrays") / metric_name / f"{gid}.npz"
        path = run_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays, metadata=np.array(json.dumps(info, sort_keys=True, default=str)))
        tmp.replace(path)
        store.record_array(gid, metric_name, info, rel.as_posix())
