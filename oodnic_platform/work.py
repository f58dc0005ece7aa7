"""What a worker does: turn one chunk of the grid into result rows and metric contributions.

The data path is one straight line: dataset image -> seeded corruption ->
codec encode/decode (batched over images of equal shape) -> metrics on
(clean, input, reconstruction, bytes) -> rows + additive contributions.
Nothing here touches the results store; the driver commits what comes back.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .codec import Codec, Quality
from .corruption import corrupt
from .dataset import Dataset, ImageRef
from .images import DEFAULT_MAX_PIXELS, as_image, encode_png
from .metric import Arrays, Metric, Sample, add_arrays
from .plugins import Registry, get_registry


@dataclass(frozen=True)
class CodecSpec:
    """A codec by registered name, with its settings (rebuilt the same way in every worker)."""

    name: str
    settings: tuple[tuple[str, Any], ...] = ()

    def build(self, registry: Registry) -> Codec:
        if self.name not in registry.codecs:
            raise KeyError(f"codec {self.name!r} is not installed in this worker (plugins: {plugin_names(registry)})")
        codec = registry.codecs[self.name]
        return codec.configure(**dict(self.settings)) if self.settings else codec


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to rebuild its plugins, dataset, codecs and metrics by name."""

    dataset: str
    dataset_options: tuple[tuple[str, Any], ...]
    codecs: tuple[CodecSpec, ...]
    #: metric choices, ``NAME`` or ``NAME:key=value,...``
    metrics: tuple[str, ...]
    seed: int = 0
    #: as asked for (``auto``, ``cpu``, ``cuda:1``); each worker resolves it on its own machine
    device: str = "auto"
    max_pixels: int = DEFAULT_MAX_PIXELS
    #: Image whose centre crops (input, reconstructions) are kept for the report.
    sample_image: str = ""


@dataclass(frozen=True)
class Job:
    """One future result row."""

    key: str
    image: str
    codec: int  # index into RunSpec.codecs
    quality: Quality


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
class ChunkResult:
    rows: list[dict[str, Any]]
    #: group id -> (group description, {metric name: summed contribution})
    contributions: dict[str, tuple[dict[str, Any], dict[str, Arrays]]] = field(default_factory=dict)
    #: file name under RUN_DIR/samples -> PNG bytes (centre crops of the sample image)
    samples: dict[str, bytes] = field(default_factory=dict)
    worker: str = ""


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; an explicit device is checked."""
    from .config import ConfigError

    if not DEVICE_RE.match(device):
        raise ConfigError(f"--device must be auto, cpu, cuda or cuda:N, got {device!r}")
    if device == "cpu" or importlib.util.find_spec("torch") is None:
        if device.startswith("cuda"):
            raise ConfigError(f"--device {device}: torch is not installed")
        return "cpu"
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise ConfigError(f"--device {device}: no CUDA device is visible to torch")
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise ConfigError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s)")
    return device


def build_metric(registry: Registry, choice: str) -> Metric:
    """A registered metric from ``NAME`` or ``NAME:key=value,...``; a mistake is a ConfigError."""
    from .config import ConfigError, parse_choice

    name, settings = parse_choice(choice, "--metric")
    if name not in registry.metrics:
        raise ConfigError(f"unknown metric {name!r} (installed: {', '.join(sorted(registry.metrics))})")
    try:
        return registry.metrics[name].configure(**settings) if settings else registry.metrics[name]
    except (TypeError, ValueError) as exc:
        raise ConfigError(str(exc)) from None


def plugin_names(registry: Registry) -> str:
    return ", ".join(p.name for p in registry.plugins if not p.name.startswith("oodnic_platform.")) or "none"


def resolve_dataset(registry: Registry, name: str, options: dict[str, Any]) -> Dataset:
    """A registered dataset by name, a materialised corrupted set, or a folder of images."""
    from .dataset import DatasetError, FolderDataset
    from .materialise import MANIFEST_NAME, MaterialisedDataset

    if name in registry.datasets:
        return registry.datasets[name](**options)
    if os.path.isfile(os.path.join(name, MANIFEST_NAME)):
        return MaterialisedDataset(name)
    if os.path.exists(name):
        return FolderDataset(name, **options)
    raise DatasetError(f"no such dataset or folder: {name} (datasets: {', '.join(sorted(registry.datasets))})")


class WorkerState:
    """Plugins, dataset, codecs and metrics of one worker, built once per run spec."""

    def __init__(self, spec: RunSpec):
        self.spec = spec
        self.device = resolve_device(spec.device)
        self.registry = get_registry()
        self.dataset = resolve_dataset(self.registry, spec.dataset, dict(spec.dataset_options))
        self.refs: dict[str, ImageRef] = {ref.name: ref for ref in self.dataset.images()}
        self.codecs: list[Codec | None] = [None] * len(spec.codecs)
        self.plugin_versions = {p.name: f"{p.distribution} {p.version}".strip() for p in self.registry.plugins}
        self.metrics: list[Metric] = [build_metric(self.registry, choice) for choice in spec.metrics]
        for metric in self.metrics:
            metric.load(self.device)

    def codec(self, index: int) -> Codec:
        """The configured codec, loaded on the device on first use."""
        codec = self.codecs[index]
        if codec is None:
            codec = self.spec.codecs[index].build(self.registry)
            codec.load(self.device)
            self.codecs[index] = codec
        return codec


_STATE: WorkerState | None = None
DEVICE_RE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
SAMPLE_CROP = 256


def init_worker(spec: RunSpec, threads: int | None, exit_with_parent: bool = False) -> None:
    """Process initialiser: share the cores between workers, and never outlive the driver.

    ``OMP_NUM_THREADS`` covers torch imported later; torch already imported is capped directly.
    """
    if threads is not None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads)
    if exit_with_parent:
        _watch_parent(os.getppid())
    worker_state(spec)


def _watch_parent(parent: int) -> None:
    """End this worker when its parent dies (even by ``kill -9``), instead of lingering as an orphan."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="oodnic-parent-watch", daemon=True).start()


def worker_state(spec: RunSpec) -> WorkerState:
    global _STATE
    if _STATE is None or _STATE.spec != spec:
        _STATE = WorkerState(spec)
    return _STATE


def centre_crop(image: np.ndarray, size: int = SAMPLE_CROP) -> np.ndarray:
    h, w = image.shape[:2]
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return image[top : top + size, left : left + size]


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def row_key(image: str, image_sha256: str, corruption: str, corruption_version: str, severity: int, seed: int | None,
            codec: str, codec_version: str, settings: dict[str, Any], quality: Quality) -> str:
    """Content address of a result row: same image (name and bytes), input variant and coder, same key."""
    import hashlib

    parts = [image, image_sha256, corruption, corruption_version, severity, seed, codec, codec_version, settings, quality]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def group_id(dataset: str, codec: str, settings_json: str, quality: Quality, corruption: str, severity: int) -> str:
    import hashlib

    text = json.dumps([dataset, codec, settings_json, quality, corruption, severity], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_input(state: WorkerState, ref: ImageRef, clean: np.ndarray, corruption: str, severity: int) -> np.ndarray:
    """The codec's input: the clean image, a shipped pre-corrupted copy, or a seeded corruption."""
    if corruption == "clean":
        return clean
    stored = state.dataset.precorrupted(ref, corruption, severity)
    if stored is not None:
        return stored
    return corrupt(state.registry.corruptions[corruption], clean, severity, state.spec.seed, ref.sha256)


def run_chunk(spec: RunSpec, chunk: Chunk) -> ChunkResult:
    """Produce every row of ``chunk``; failures become error rows, never exceptions."""
    state = worker_state(spec)
    result = ChunkResult(rows=[], worker=f"{os.uname().nodename}:{os.getpid()}")
    inputs: dict[str, tuple[np.ndarray, np.ndarray] | str] = {}
    for name in chunk.images:
        ref = state.refs.get(name)
        try:
            if ref is None:
                raise FileNotFoundError(f"image {name!r} is no longer in the dataset")
            clean = ref.load(spec.max_pixels)
            inputs[name] = (clean, make_input(state, ref, clean, chunk.corruption, chunk.severity))
            if name == spec.sample_image:
                result.samples[f"input-{chunk.corruption}-{chunk.severity}.png"] = encode_png(centre_crop(inputs[name][1]))
        except Exception as exc:
            inputs[name] = f"{'image' if chunk.corruption == 'clean' else chunk.corruption}: {one_line(exc)}"
    by_coding: dict[tuple[int, Quality], list[Job]] = {}
    for job in chunk.jobs:
        by_coding.setdefault((job.codec, job.quality), []).append(job)
    for (codec_index, quality), jobs in by_coding.items():
        _code_jobs(state, chunk, codec_index, quality, jobs, inputs, result)
    return result


def _code_jobs(state: WorkerState, chunk: Chunk, codec_index: int, quality: Quality, jobs: list[Job],
               inputs: dict[str, Any], result: ChunkResult) -> None:
    """Code the images of ``jobs`` with one codec at one quality, batching equal shapes."""
    try:
        codec = state.codec(codec_index)
    except Exception as exc:
        for job in jobs:
            result.rows.append(_row(state, chunk, job, None, error=f"codec: {one_line(exc)}"))
        return
    batches: dict[tuple[int, ...], list[Job]] = {}
    for job in jobs:
        item = inputs[job.image]
        if isinstance(item, str):
            result.rows.append(_row(state, chunk, job, codec, error=item))
        else:
            batches.setdefault(item[1].shape, []).append(job)
    for batch in batches.values():
        images = [inputs[job.image][1] for job in batch]
        try:
            coded = _code(codec, images, quality)
        except Exception:  # isolate the failing image: one at a time
            coded = []
            for image in images:
                try:
                    coded.extend(_code(codec, [image], quality))
                except Exception as exc:
                    coded.append(one_line(exc))
        for job, outcome in zip(batch, coded):
            if isinstance(outcome, str):
                result.rows.append(_row(state, chunk, job, codec, error=f"codec: {outcome}"))
                continue
            data, recon, enc_s, dec_s = outcome
            clean, given = inputs[job.image]
            sample = Sample(clean=clean, input=given, reconstruction=recon, num_bytes=len(data), image=job.image,
                            corruption=chunk.corruption, severity=chunk.severity, codec=codec.name, quality=quality)
            row = _row(state, chunk, job, codec)
            row.update(num_bytes=len(data), encode_s=enc_s, decode_s=dec_s, **getattr(data, "info", {}))
            _measure(state, sample, row, result)
            result.rows.append(row)
            if job.image == state.spec.sample_image:
                result.samples[f"{job.key}.png"] = encode_png(centre_crop(recon))


def _code(codec: Codec, images: list[np.ndarray], quality: Quality) -> list[tuple[bytes, np.ndarray, float, float]]:
    start = time.perf_counter()
    data = codec.encode_batch(images, quality)
    middle = time.perf_counter()
    recons = codec.decode_batch(data)
    end = time.perf_counter()
    if len(data) != len(images) or len(recons) != len(images):
        raise ValueError(f"codec returned {len(data)} bitstreams / {len(recons)} images for {len(images)} inputs")
    out = []
    for image, d, r in zip(images, data, recons):
        r = as_image(r)
        if r.shape != image.shape:
            raise ValueError(f"decoded shape {r.shape} differs from the input's {image.shape}")
        out.append((d, r, (middle - start) / len(images), (end - middle) / len(images)))
    return out


def _measure(state: WorkerState, sample: Sample, row: dict[str, Any], result: ChunkResult) -> None:
    """Per-image metric values into ``row``; contributions of accumulating metrics into ``result``."""
    errors = []
    gid = None
    for metric in state.metrics:
        try:
            value = metric.compute(sample)
            if isinstance(value, dict):
                row.update({f"{metric.name}_{k}": float(v) for k, v in value.items()})
            elif value is not None:
                row[metric.name] = float(value)
            if metric.accumulates:
                part = metric.accumulate(sample)
                if gid is None:
                    gid = group_id(row["dataset"], row["codec"], row["codec_settings"], row["quality"],
                                   row["corruption"], row["severity"])
                    meta = {k: row[k] for k in ("dataset", "codec", "codec_settings", "quality", "corruption", "severity")}
                    result.contributions.setdefault(gid, (meta, {}))
                sums = result.contributions[gid][1]
                sums[metric.name] = add_arrays(sums.get(metric.name), part)
        except Exception as exc:
            errors.append(f"metric {metric.name}: {one_line(exc)}")
    if errors:
        row.update(status="error", error="; ".join(errors))


def _row(state: WorkerState, chunk: Chunk, job: Job, codec: Codec | None, error: str | None = None) -> dict[str, Any]:
    spec = state.spec
    codec_spec = spec.codecs[job.codec]
    ref = state.refs.get(job.image)
    corruption = state.registry.corruptions.get(chunk.corruption)
    settings = codec.settings() if codec is not None else dict(codec_spec.settings)
    return {
        "key": job.key,
        "dataset": state.dataset.name,
        "image": job.image,
        "image_sha256": ref.sha256 if ref else "",
        "corruption": chunk.corruption,
        "severity": chunk.severity,
        "frequency": corruption.frequency if corruption else "clean",
        "corruption_version": corruption.version() if corruption else "",
        "seed": None if chunk.corruption == "clean" else spec.seed,
        "codec": codec_spec.name,
        "codec_version": codec.version() if codec is not None else "",
        "codec_settings": json.dumps(settings, sort_keys=True, default=str),
        "plugin": state.plugin_versions.get(state.registry.owners.get(f"codec {codec_spec.name}", ""), ""),
        "quality": job.quality,
        "status": "error" if error else "ok",
        "error": error,
    }
