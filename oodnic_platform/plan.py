"""Planning: a run configuration becomes a run spec (what workers rebuild) and jobs (future rows).

Everything a user can get wrong is checked here, before any image is coded or
any file is written: codecs, their settings and qualities, corruptions and
severities, metrics and their settings, the dataset and its options.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from .codec import Codec, Quality
from .config import CodecChoice, RunConfig, parse_choice, split_list
from .contract import column_name
from .corrupted_set import MANIFEST_NAME, MaterialisedDataset
from .corruption import CLEAN, is_clean
from .dataset import GEOMETRIES, Dataset, DatasetError, FolderDataset, GeometryDataset, ImageRef
from .errors import ConfigError, did_you_mean, one_line, unknown
from .files import known_digests
from .identity import CoderIdentity, VariantIdentity, group_id, metric_identity, row_key
from .images import DEFAULT_MAX_PIXELS
from .metric import Metric
from .plugins import Registry
from .ratesearch import Scale

log = logging.getLogger(__name__)
CLEAN_INPUT = VariantIdentity(CLEAN, 0)
#: Dataset options that say where files are, not what they are: left out of a dataset's identity.
LOCATION_OPTIONS = ("path",)


@dataclass(frozen=True)
class CodecSpec:
    """A codec by registered name with its settings, and the identity the driver computed for it."""

    name: str
    settings: tuple[tuple[str, Any], ...] = ()
    identity: CoderIdentity | None = None

    def build(self, registry: Registry) -> Codec:
        if self.name not in registry.codecs:
            raise KeyError(f"codec {self.name!r} is not installed in this worker")
        return registry.configured("codec", self.name, dict(self.settings))


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to rebuild its plugins, dataset, codecs and metrics by name."""

    dataset: str
    dataset_options: tuple[tuple[str, Any], ...]
    codecs: tuple[CodecSpec, ...]
    #: metric choices, ``NAME`` or ``NAME:key=value,...``
    metrics: tuple[str, ...]
    seed: int = 0
    #: as asked for (``auto``, ``cpu``, ``cuda:1``); resolved where torch work needs it
    device: str = "auto"
    max_pixels: int = DEFAULT_MAX_PIXELS
    #: image whose centre crops (input, reconstructions) are kept for the report
    sample_image: str = ""
    dataset_identity: str = ""
    metric_ids: tuple[str, ...] = ()
    variants: tuple[VariantIdentity, ...] = ()
    #: the dataset's own name (a folder's, or a -C set's source) and each image's content hash
    dataset_name: str = ""
    image_hashes: tuple[tuple[str, str], ...] = ()
    #: file digests the driver computed, adopted by workers so no image file is hashed twice
    file_digests: tuple = ()

    def coder(self, index: int) -> CoderIdentity:
        """The identity of codec ``index`` (the planner sets every one)."""
        identity = self.codecs[index].identity
        if identity is None:
            raise ValueError("a RunSpec's codecs carry identities: make run specs with oodnic_platform's planner")
        return identity

    def variant(self, corruption: str, severity: int) -> VariantIdentity:
        for variant in self.variants:
            if (variant.corruption, variant.severity) == (corruption, severity):
                return variant
        return CLEAN_INPUT if is_clean(corruption) else VariantIdentity(corruption, severity, seed=self.seed)


@dataclass(frozen=True)
class Job:
    """One future result row; ``accumulate`` lists the (accumulating metric index, group id) it still owes a sum."""

    key: str
    image: str
    codec: int
    quality: Quality
    accumulate: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Chunk:
    """Jobs sharing one input variant (corruption, severity) over a batch of images."""

    corruption: str
    severity: int
    jobs: tuple[Job, ...]

    @property
    def images(self) -> list[str]:
        return list(dict.fromkeys(job.image for job in self.jobs))


@dataclass
class Group:
    """The rows one accumulating metric sums over, for one coder, quality and input variant."""

    metric: int
    meta: dict[str, Any]
    keys: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class RateSearch:
    """A rate-matched codec: its index in the spec, its declared scale and the target rates."""

    codec: int
    scale: Scale
    targets: tuple[float, ...]


@dataclass
class Plan:
    spec: RunSpec
    #: every planned row of a fixed quality, in a deterministic order: (corruption, severity, job)
    jobs: list[tuple[str, int, Job]]
    images: list[str]
    groups: dict[str, Group]
    metrics: list[Metric]
    collapsed: int = 0
    #: rate-matched codecs (their rows are found by :mod:`oodnic_platform.ratematch`)
    searches: tuple[RateSearch, ...] = ()
    rate_tolerance: float = 0.05
    #: ``--shard I/N`` as (I, N): which (input variant, codec) units' rate searches this run does
    shard: tuple[int, int] = (1, 1)

    def search_cases(self) -> list[tuple[VariantIdentity, RateSearch]]:
        """The (input variant, rate-matched codec) units of this run's shard, dealt out in turn in plan order."""
        units = [(variant, search) for variant in self.spec.variants for search in self.searches]
        index, count = self.shard
        return units[index - 1::count]


def select_codecs(config: RunConfig, registry: Registry) -> tuple[list[tuple[CodecChoice, Codec, list[Quality]]], int]:
    """The configured codecs with their ladders, duplicates merged; returns them and how many entries collapsed.

    Each returned choice carries its resolved ``target_bpp`` (the run's, unless it has its own or fixed
    qualities); a codec with targets and no qualities given has an empty ladder.
    """
    choices = default_codec_choices(registry) if config.codecs is None else config.codecs
    merged: dict[tuple[str, str], tuple[CodecChoice, Codec, list[Quality]]] = {}
    requested = 0
    for choice in choices:
        fixed = choice.qualities is not None or choice.quality_option is not None
        targets = choice.target_bpp if choice.target_bpp is not None else ([] if fixed else config.target_bpp)
        try:
            codec, ladder = _select_codec(choice, registry, bool(targets))
        except ConfigError as exc:
            if not choice.optional:
                raise
            warnings.warn(f"skipping optional codec {choice.name}: {exc}", RuntimeWarning, stacklevel=2)
            continue
        requested += len(ladder) + len(targets)
        key = (choice.name, repr(sorted(choice.settings.items())))
        earlier, before = (merged[key][2], merged[key][0].target_bpp or []) if key in merged else ([], [])
        resolved = replace(choice, target_bpp=list(dict.fromkeys([*before, *targets])))
        merged[key] = (resolved, codec, list(dict.fromkeys(earlier + ladder)))
    if not merged:
        raise ConfigError("no codec is installed and available (see `oodnic plugins`)")
    kept = sum(len(ladder) + len(choice.target_bpp or ()) for choice, _, ladder in merged.values())
    return list(merged.values()), requested - kept


def default_codec_choices(registry: Registry) -> list[CodecChoice]:
    """Every available codec that is part of the default selection (``Codec.default``)."""
    return [CodecChoice(n) for n, c in sorted(registry.codecs.items()) if c.default and _available(c) is None]


def _available(codec: Codec) -> str | None:
    try:
        return codec.unavailable_reason()
    except Exception as exc:
        return f"unavailable_reason() raised {one_line(exc)}"


def _select_codec(choice: CodecChoice, registry: Registry, matched: bool = False) -> tuple[Codec, list[Quality]]:
    name = choice.name
    if name not in registry.codecs:
        raise ConfigError(unknown("codec", name, registry.codecs))
    try:
        codec = registry.configured("codec", name, choice.settings)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"codec {name}: {exc}") from None
    reason = _available(codec)
    if reason:
        raise ConfigError(f"codec {name} is unavailable: {reason}")
    if choice.quality_option is not None:
        values = choice.quality_option.rpartition("=")[2]
        items = split_list(values, "--quality")
        try:
            choice.qualities = [codec.parse_quality(v) for v in items]
        except ValueError as exc:
            raise ConfigError(f"--quality {choice.quality_option}: {exc}") from None
    ladder = list(choice.qualities) if choice.qualities is not None else [] if matched else list(codec.qualities)
    if matched:
        try:
            Scale.of(codec, choice.probes)
        except ValueError as exc:
            raise ConfigError(f"codec {name} cannot be rate-matched: {exc}") from None
    elif not ladder:
        raise ConfigError(f"codec {name}: no qualities given")
    for quality in ladder:
        try:
            codec.check_quality(quality)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return codec, ladder


def select_variants(config: RunConfig, registry: Registry, seed: int) -> list[VariantIdentity]:
    names = list(config.corruptions)
    if names == ["all"]:
        names = sorted(registry.corruptions)
    for name in names:
        if name in ("all", "none"):
            raise ConfigError(f"corruption {name!r} stands alone: give it as the only --corruption (or corruptions "
                              f"= [\"all\"] / [] in TOML), not beside {', '.join(repr(n) for n in names if n != name)}")
        if name not in registry.corruptions:
            raise ConfigError(unknown("corruption", name, registry.corruptions))
    variants = [CLEAN_INPUT] if config.clean else []
    for name in dict.fromkeys(names):
        corruption = registry.corruptions[name]
        supported = set(corruption.severities)
        for severity in dict.fromkeys(config.severities):
            if severity not in supported:
                raise ConfigError(f"corruption {name} has no severity {severity} (has {sorted(supported)})")
            variants.append(VariantIdentity(name, severity, str(corruption.version()),
                                            registry.plugin_label("corruption", name), corruption.frequency, seed))
    if not variants:
        raise ConfigError("nothing to run: no clean input and no corruption selected")
    return variants


def build_metric(registry: Registry, choice: str) -> Metric:
    """A registered metric from ``NAME`` or ``NAME:key=value,...``; a mistake is a ConfigError."""
    name, settings = parse_choice(choice, "--metric")
    if name not in registry.metrics:
        raise ConfigError(unknown("metric", name, registry.metrics))
    try:
        return registry.configured("metric", name, settings)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"metric {name}: {exc}") from None


def select_metrics(config: RunConfig, registry: Registry) -> list[tuple[str, Metric]]:
    """Metric choices and built metrics; ``all`` = every metric with ``default = True``; ``bpp`` always.

    A metric named with settings overrides its plain entry from ``all``.
    """
    explicit = [text for text in config.metrics if text != "all"]
    named = {parse_choice(text, "--metric")[0] for text in explicit}
    choices = ["bpp"]
    if "all" in config.metrics:
        choices += [n for n, m in sorted(registry.metrics.items()) if m.default and n not in named]
    selected: dict[str, tuple[str, Metric]] = {}
    for text in dict.fromkeys([*choices, *explicit]):
        metric = build_metric(registry, text)
        if metric.name in selected and selected[metric.name][0] != text:
            raise ConfigError(f"metric {metric.name} is selected twice with different settings "
                              f"({selected[metric.name][0]!r} and {text!r}): choose one")
        selected[metric.name] = (text, metric)
    return list(selected.values())


def resolve_seed(config: RunConfig, dataset: Dataset) -> int:
    """The run seed; a materialised set fixes its own, and a different explicit ``--seed`` is a mistake."""
    if dataset.seed is None:
        return 0 if config.seed is None else config.seed
    if config.seed is not None and config.seed != dataset.seed:
        raise ConfigError(f"{config.dataset} was materialised with seed {dataset.seed}: --seed {config.seed} cannot "
                          f"change it (run oodnic corrupt --seed {config.seed} to make that set)")
    return dataset.seed


def plan(config: RunConfig, registry: Registry) -> Plan:
    """Expand the configuration into a spec and jobs, in a deterministic order; nothing is written."""
    dataset = resolve_dataset(registry, config.dataset, config.dataset_options)
    codecs, collapsed = select_codecs(config, registry)
    metrics = select_metrics(config, registry)
    seed = resolve_seed(config, dataset)
    variants = select_variants(config, registry, seed)
    refs: list[ImageRef] = dataset.images()[: config.images or None]
    coders = [_identity(codec, registry, _coded_qualities(choice, codec, ladder)) for choice, codec, ladder in codecs]
    for coder, (_, _, ladder) in zip(coders, codecs):
        log.info("codec %s %s, qualities %s, fingerprint %s", coder.name, coder.version, ladder, coder.fingerprint)
    metric_ids = [metric_identity(m, registry.plugin_label("metric", m.name)) for _, m in metrics]
    identity = dataset_identity(config.dataset, config.dataset_options, registry)
    spec = RunSpec(
        dataset=config.dataset,
        dataset_options=tuple(sorted(config.dataset_options.items())),
        codecs=tuple(CodecSpec(c.name, tuple(sorted(c.settings.items())), coder)
                     for (c, _, _), coder in zip(codecs, coders)),
        metrics=tuple(text for text, _ in metrics),
        seed=seed,
        device=config.device,
        max_pixels=config.max_pixels,
        sample_image=refs[0].name if refs else "",
        dataset_identity=identity,
        metric_ids=tuple(metric_ids),
        variants=tuple(variants),
        dataset_name=dataset.name,
        image_hashes=tuple((ref.name, ref.sha256) for ref in refs),
        file_digests=known_digests(),
    )
    accumulating = [i for i, (_, m) in enumerate(metrics) if m.accumulates]
    jobs: list[tuple[str, int, Job]] = []
    groups: dict[str, Group] = {}
    for variant in variants:
        for ref in refs:
            for index, ((_, _, ladder), coder) in enumerate(zip(codecs, coders)):
                for quality in ladder:
                    key = row_key(ref.name, ref.sha256, variant, coder, quality)
                    owed = []
                    for m in accumulating:
                        gid = group_id(identity, coder, quality, variant, metric_ids[m])
                        group = groups.get(gid)
                        if group is None:
                            group = groups[gid] = Group(m, group_meta(spec, coder, quality, variant, metrics[m][1]))
                        group.keys.add(key)
                        owed.append((m, gid))
                    jobs.append((variant.corruption, variant.severity, Job(key, ref.name, index, quality,
                                                                           tuple(owed))))
    searches = tuple(RateSearch(index, Scale.of(codec, choice.probes), tuple(sorted(choice.target_bpp)))
                     for index, (choice, codec, _) in enumerate(codecs) if choice.target_bpp)
    return Plan(spec, jobs, [ref.name for ref in refs], groups, [m for _, m in metrics], collapsed, searches,
                config.rate_tolerance)


def _coded_qualities(choice: CodecChoice, codec: Codec, ladder: list[Quality]) -> list[Quality] | None:
    """The qualities a codec's fingerprint covers: its ladder, or every quality a rate search may code."""
    if not choice.target_bpp:
        return ladder
    scale = Scale.of(codec, choice.probes)
    return list(dict.fromkeys([*ladder, *scale.ladder])) if scale.kind == "ladder" else None


def group_meta(spec: RunSpec, coder: CoderIdentity, quality: Quality, variant: VariantIdentity,
               metric: Metric) -> dict[str, Any]:
    """What a group of an accumulating metric is, as recorded beside its arrays."""
    return {
        "dataset": spec.dataset, "dataset_identity": spec.dataset_identity,
        "codec": coder.name, "codec_version": coder.version, "codec_settings": coder.settings,
        "codec_fingerprint": coder.fingerprint, "quality": quality,
        "corruption": variant.corruption, "severity": variant.severity, "frequency": variant.frequency,
        "corruption_version": variant.version, "seed": variant.seed,
        "metric": metric.name, "metric_column": column_name(metric.name), "metric_version": str(metric.version()),
        "metric_settings": metric.identity_settings(),
    }


def resolve_dataset(registry: Registry, name: str, options: dict[str, Any]) -> Dataset:
    """The dataset ``name`` with ``options``; a mistake is a one-line :class:`DatasetError`/:class:`ConfigError`."""
    options = dict(options)
    geometry = str(options.pop("geometry", "as-is"))
    if geometry not in GEOMETRIES:
        raise ConfigError(f"dataset option geometry must be one of {', '.join(GEOMETRIES)}, not {geometry!r}")
    if name in registry.datasets:
        try:
            dataset = registry.datasets[name](**options)
        except TypeError as exc:
            raise ConfigError(f"dataset {name}: bad option ({exc})") from None
    elif os.path.isfile(os.path.join(name, MANIFEST_NAME)):
        if options:
            raise ConfigError(f"a set written by oodnic corrupt takes no dataset options, got {', '.join(options)}")
        dataset = MaterialisedDataset(name)
        if geometry != "as-is" and dataset.geometry != "as-is":
            raise ConfigError(f"{name} was written with geometry {dataset.geometry}: it takes no geometry option")
        if geometry != "as-is" and not dataset.knows_paper_geometry:
            raise ConfigError(f"{name}'s manifest does not record how its source transposes images (written by an "
                              f"older oodnic-platform): run oodnic corrupt again to use geometry={geometry}")
    elif os.path.exists(name):
        dataset = FolderDataset(name, **options)
    else:
        raise DatasetError(f"no such dataset or folder: {name} ({did_you_mean(name, registry.datasets)}"
                           f"datasets: {', '.join(sorted(registry.datasets))})")
    return GeometryDataset(dataset, geometry) if geometry != "as-is" else dataset


def dataset_identity(name: str, options: dict[str, Any], registry: Registry) -> str:
    """What a run folder's images are: a registered name with its options (not locations), or a resolved path."""
    options = {k: v for k, v in options.items() if k not in LOCATION_OPTIONS}
    options.setdefault("geometry", "as-is")
    source = name if name in registry.datasets else str(Path(name).resolve())
    return json.dumps({"dataset": source, "options": options}, sort_keys=True, default=str)


def _identity(codec: Codec, registry: Registry, ladder: list[Quality] | None) -> CoderIdentity:
    try:
        return CoderIdentity.of(codec, registry.plugin_label("codec", codec.name), ladder)
    except Exception as exc:  # a plugin's version()/settings()/fingerprint() failing is its own one line
        raise ConfigError(f"codec {codec.name}: cannot identify it: {one_line(exc)}") from None


def make_chunks(jobs: Iterable[tuple[str, int, Job]], images_per_chunk: int) -> list[Chunk]:
    """Group pending jobs by input variant, ``images_per_chunk`` images per chunk (0: all images of a variant)."""
    grouped: dict[tuple[str, int], dict[str, list[Job]]] = defaultdict(lambda: defaultdict(list))
    for corruption, severity, job in jobs:
        grouped[(corruption, severity)][job.image].append(job)
    chunks = []
    for (corruption, severity), by_image in grouped.items():
        images = list(by_image)
        step = images_per_chunk if images_per_chunk > 0 else len(images)
        for start in range(0, len(images), step):
            batch = [job for image in images[start : start + step] for job in by_image[image]]
            chunks.append(Chunk(corruption, severity, tuple(batch)))
    return chunks


def take_shard(the_plan: Plan, index: int, count: int) -> Plan:
    """The jobs and groups of shard ``index`` of ``count`` (1-based), for ``--shard I/N``.

    The plan's (input variant, codec, quality) units, in plan order, are dealt out in turn to the N shards, so
    every group of an accumulating metric (one unit's images) stays whole; ``oodnic merge`` unions the shards.
    Rate searches are dealt out likewise, by (input variant, codec) (:meth:`Plan.search_cases`).
    """
    units = list(dict.fromkeys((corruption, severity, job.codec, job.quality)
                               for corruption, severity, job in the_plan.jobs))
    mine = set(units[index - 1::count])
    jobs = [(c, s, job) for c, s, job in the_plan.jobs if (c, s, job.codec, job.quality) in mine]
    keys = {job.key for _, _, job in jobs}
    groups = {gid: group for gid, group in the_plan.groups.items() if group.keys & keys}
    split = [gid for gid, group in groups.items() if not group.keys <= keys]
    if split:  # a group spanning units: a metric grouping rows some other way
        raise ConfigError(f"--shard {index}/{count} would split array group {split[0]}: run this grid unsharded")
    return replace(the_plan, jobs=jobs, groups=groups, shard=(index, count))
