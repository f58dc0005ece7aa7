"""What a worker does: turn one chunk of the grid into result rows and metric contributions.

The data path is one straight line: dataset image -> seeded corruption (then the dataset's geometry) ->
codec encode/decode (batched over images of equal shape) -> metrics on
(clean, input, reconstruction, bytes) -> rows + additive contributions.
Nothing here touches the results store; the driver commits what comes back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .codec import Codec, Quality
from .config import device_for
from .contract import check_value, result_column
from .corruption import is_clean
from .errors import ContractBreach, one_line
from .files import remember_digests
from .images import centre_crop, check_image_output, encode_png
from .metric import Arrays, Metric, Sample, add_arrays
from .plan import Chunk, Job, RunSpec, build_metric, resolve_dataset
from .plugins import Registry, get_registry

log = logging.getLogger(__name__)
SAMPLE_CROP = 256


@dataclass
class GroupSum:
    """One accumulating metric's contributions from a chunk to one group, and the rows they came from."""

    metric: str
    arrays: Arrays
    keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SampleCrop:
    """A centre crop of the run's sample image: the codec's input, or a reconstruction (``key`` its row)."""

    file: str
    corruption: str
    severity: int
    png: bytes
    key: str = ""


@dataclass
class ChunkResult:
    rows: list[dict[str, Any]]
    #: group id -> the chunk's summed contribution to it
    groups: dict[str, GroupSum] = field(default_factory=dict)
    samples: list[SampleCrop] = field(default_factory=list)
    worker: str = ""


class WorkerState:
    """Plugins, dataset, codecs and metrics of one worker, built once per run spec."""

    def __init__(self, spec: RunSpec, registry: Registry | None = None):
        self.spec = spec
        self.registry = registry or get_registry()
        remember_digests(spec.file_digests)  # the driver hashed the images: listing them again hashes nothing
        self.dataset = resolve_dataset(self.registry, spec.dataset, dict(spec.dataset_options))
        self.refs = {ref.name: ref for ref in self.dataset.images()}
        self.hashes = dict(spec.image_hashes)
        self.codecs: list[Codec | None] = [None] * len(spec.codecs)
        #: per codec index, the JSON of its provenance plus the device this worker loaded it on
        self.provenance: dict[int, str] = {}
        self.metrics: list[Metric] = [build_metric(self.registry, choice) for choice in spec.metrics]
        self.metrics_json = json.dumps(dict(zip((m.name for m in self.metrics), spec.metric_ids)), sort_keys=True)
        for metric in self.metrics:
            metric.load(device_for(metric.resource, spec.device))

    def codec(self, index: int) -> Codec:
        """The configured codec, loaded on its device on first use."""
        codec = self.codecs[index]
        if codec is None:
            codec = self.spec.codecs[index].build(self.registry)
            device = device_for(codec.resource, self.spec.device)
            codec.load(device)
            self.codecs[index] = codec
            identity = self.spec.codecs[index].identity
            provenance = json.loads(identity.provenance) if identity is not None else {}
            self.provenance[index] = json.dumps({**provenance, "device": device}, sort_keys=True)
        return codec


_STATE: WorkerState | None = None
_PROGRESS: Callable[[int], None] | None = None


def set_progress(callback: Callable[[int], None] | None) -> None:
    """Where this process reports finished rows (the driver's progress bar, or a queue to it)."""
    global _PROGRESS
    _PROGRESS = callback


def init_worker(spec: RunSpec, threads: int | None, exit_with_parent: bool = False, progress=None) -> None:
    """Process initialiser: share the cores, never outlive the driver, report progress to ``progress`` (a queue)."""
    if threads is not None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        import cv2  # the platform's MS-SSIM filters with OpenCV, which would start a thread per core

        cv2.setNumThreads(threads)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads)
    if exit_with_parent:
        _watch_parent(os.getppid())
    if progress is not None:
        set_progress(progress.put)
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


def sample_crop(image: np.ndarray) -> np.ndarray:
    """The report's centre crop of the sample image (never padded)."""
    return centre_crop(image, min(SAMPLE_CROP, image.shape[0]), min(SAMPLE_CROP, image.shape[1]))


@dataclass
class Failure:
    """Why a row failed: one line for the table, the traceback for ``errors`` / ``--traceback``."""

    message: str
    traceback: str

    @classmethod
    def of(cls, prefix: str, exc: BaseException) -> "Failure":
        """``prefix: Type: message``; a :class:`ContractBreach` names its plugin and rule itself."""
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(" ".join(str(exc).split()) if isinstance(exc, ContractBreach) else f"{prefix}: {one_line(exc)}",
                   text)


#: Images in memory at once within a chunk: metrics' per-image caches (MS-SSIM pyramids, spectra) hold this many.
IMAGE_BATCH = 8


def run_chunk(spec: RunSpec, chunk: Chunk) -> ChunkResult:
    """Produce every row of ``chunk``; failures become error rows, never exceptions.

    Images are taken :data:`IMAGE_BATCH` at a time: each batch is coded codec by
    codec (equal shapes batched), so metrics' per-image caches stay warm across
    every codec and quality of an image, in bounded memory.
    """
    state = worker_state(spec)
    result = ChunkResult(rows=[], worker=f"{os.uname().nodename}:{os.getpid()}")
    names = chunk.images
    for start in range(0, len(names), IMAGE_BATCH):
        batch = set(names[start : start + IMAGE_BATCH])
        inputs = {name: _load_input(state, chunk, name, result) for name in names[start : start + IMAGE_BATCH]}
        by_coding: dict[tuple[int, Quality], list[Job]] = {}
        for job in chunk.jobs:
            if job.image in batch:
                by_coding.setdefault((job.codec, job.quality), []).append(job)
        for (codec_index, quality), jobs in by_coding.items():
            _code_jobs(state, chunk, codec_index, quality, jobs, inputs, result)
    return result


def _load_input(state: WorkerState, chunk: Chunk, name: str, result: ChunkResult):
    """(clean, codec input) of one image, or the :class:`Failure` that stopped it."""
    ref = state.refs.get(name)
    try:
        if ref is None:
            raise FileNotFoundError(f"image {name!r} is no longer in the dataset")
        corruption = None if is_clean(chunk.corruption) else state.registry.corruptions[chunk.corruption]
        clean, corrupted = state.dataset.inputs(ref, corruption, [chunk.severity], state.spec.seed,
                                                state.spec.max_pixels)
        given = corrupted[0] if corrupted else clean
    except Exception as exc:
        return Failure.of("image" if is_clean(chunk.corruption) else chunk.corruption, exc)
    if name == state.spec.sample_image:
        result.samples.append(SampleCrop(f"input-{chunk.corruption}-{chunk.severity}.png", chunk.corruption,
                                         chunk.severity, encode_png(sample_crop(given))))
    return clean, given


def _code_jobs(state: WorkerState, chunk: Chunk, codec_index: int, quality: Quality, jobs: list[Job],
               inputs: dict[str, Any], result: ChunkResult) -> None:
    """Code the images of ``jobs`` with one codec at one quality, batching equal shapes."""
    try:
        codec = state.codec(codec_index)
    except Exception as exc:
        failure = Failure.of("codec", exc)
        for job in jobs:
            _finish(state, chunk, job, result, failure=failure)
        return
    batches: dict[tuple[int, ...], list[Job]] = {}
    for job in jobs:
        item = inputs[job.image]
        if isinstance(item, Failure):
            _finish(state, chunk, job, result, failure=item)
        else:
            batches.setdefault(item[1].shape, []).append(job)
    for batch in batches.values():
        for job, outcome in zip(batch, _code_batch(codec, [inputs[job.image][1] for job in batch], quality)):
            if isinstance(outcome, Failure):
                _finish(state, chunk, job, result, failure=outcome)
                continue
            data, recon, enc_s, dec_s = outcome
            clean, given = inputs[job.image]
            sample = Sample(clean=clean, input=given, reconstruction=recon, num_bytes=len(data), image=job.image,
                            corruption=chunk.corruption, severity=chunk.severity, codec=codec.name, quality=quality)
            _finish(state, chunk, job, result, sample=sample, data=data, timing=(enc_s, dec_s))
            if job.image == state.spec.sample_image:
                result.samples.append(SampleCrop(f"{job.key}.png", chunk.corruption, chunk.severity,
                                                 encode_png(sample_crop(recon)), job.key))


def _code_batch(codec: Codec, images: list[np.ndarray], quality: Quality) -> list[Any]:
    """One outcome per image: (bytes, reconstruction, encode s, decode s) or a :class:`Failure`.

    A batch call that raises as a whole is retried image by image, to find the
    culprit; items a codec already marked as failed are never re-run.
    """
    try:
        return _code(codec, images, quality)
    except Exception as exc:
        if len(images) == 1:
            return [Failure.of("codec", exc)]
    outcomes: list[Any] = []
    for image in images:
        try:
            outcomes.extend(_code(codec, [image], quality))
        except Exception as exc:
            outcomes.append(Failure.of("codec", exc))
    return outcomes


def _code(codec: Codec, images: list[np.ndarray], quality: Quality) -> list[Any]:
    start = time.perf_counter()
    encoded = list(codec.encode_batch(images, quality))
    middle = time.perf_counter()
    if len(encoded) != len(images):
        raise ValueError(f"encode_batch returned {len(encoded)} bitstreams for {len(images)} images")
    good = [i for i, d in enumerate(encoded) if not isinstance(d, BaseException)]
    decoded = list(codec.decode_batch([encoded[i] for i in good])) if good else []  # type: ignore[misc]
    end = time.perf_counter()
    if len(decoded) != len(good):
        raise ValueError(f"decode_batch returned {len(decoded)} images for {len(good)} bitstreams")
    recons: dict[int, Any] = dict(zip(good, decoded))
    enc_s, dec_s = (middle - start) / len(images), (end - middle) / max(1, len(good))
    outcomes: list[Any] = []
    for i, image in enumerate(images):
        data = encoded[i]
        if isinstance(data, BaseException):
            outcomes.append(Failure.of("codec", data))
            continue
        try:
            if not isinstance(data, bytes):
                raise ContractBreach(f"codec {codec.name} broke the contract: encode returned a "
                                     f"{type(data).__name__}, not bytes")
            recon = recons[i]
            if isinstance(recon, BaseException):
                raise recon
            recon = check_image_output(f"codec {codec.name} broke the contract: decode returned", recon, image.shape)
        except Exception as exc:
            outcomes.append(Failure.of("codec", exc))
            continue
        outcomes.append((data, recon, enc_s, dec_s))
    return outcomes


def _finish(state: WorkerState, chunk: Chunk, job: Job, result: ChunkResult, *, sample: Sample | None = None,
            data: bytes | None = None, timing: tuple[float, float] = (0.0, 0.0),
            failure: Failure | None = None) -> None:
    """Make the row (measuring the sample, if any), add its contributions if it succeeded, report progress."""
    row = new_row(state.spec, chunk, job, state.hashes.get(job.image, ""))
    row["codec_provenance"] = state.provenance.get(job.codec, row["codec_provenance"])  # with the device used
    parts: dict[str, tuple[str, Arrays]] = {}
    if sample is not None and data is not None:
        row.update(width=sample.input.shape[1], height=sample.input.shape[0], num_bytes=len(data),
                   bitstream_sha256=hashlib.sha256(data).hexdigest(), encode_s=timing[0], decode_s=timing[1])
        row.update({k: float(v) for k, v in getattr(data, "info", {}).items()})
        failure = _measure(state, sample, job, row, parts)
    if failure is not None:
        row.update(status="error", error=failure.message, traceback=failure.traceback)
    else:
        row.update(status="ok", metrics=state.metrics_json)
        _add_parts(job, parts, result)
    result.rows.append(row)
    if _PROGRESS is not None:
        _PROGRESS(1)


def _measure(state: WorkerState, sample: Sample, job: Job, row: dict[str, Any], parts: dict[str, tuple[str, Arrays]]
             ) -> Failure | None:
    """Per-image metric values into ``row``; contributions this job owes into ``parts``.

    A failing metric fails the row but loses no other metric's value.
    """
    owners: dict[str, str] = {}
    owed = dict(job.accumulate)
    failures: list[Failure] = []
    for index, metric in enumerate(state.metrics):
        try:
            value = metric.compute(sample)
            values = value.items() if isinstance(value, dict) else [(None, value)] if value is not None else []
            for key, number in values:
                if number is None:  # a key not measured on this sample: its column stays blank
                    continue
                column = result_column(metric.name, key)
                if column in owners:
                    raise ValueError(f"column {column} is also written by metric {owners[column]}")
                owners[column] = metric.name
                row[column] = check_value(metric.name, key, number)
            if metric.accumulates and index in owed:
                parts[owed[index]] = (metric.name, metric.accumulate(sample))
        except Exception as exc:
            failures.append(Failure.of(f"metric {metric.name}", exc))
    if not failures:
        return None
    return Failure("; ".join(f.message for f in failures), "\n".join(f.traceback for f in failures))


def _add_parts(job: Job, parts: dict[str, tuple[str, Arrays]], result: ChunkResult) -> None:
    """Add a row's contributions to the chunk's sums of the groups the planner assigned it."""
    for gid, (metric, part) in parts.items():
        group = result.groups.get(gid)
        if group is None:
            group = result.groups[gid] = GroupSum(metric, {})
        group.arrays = add_arrays(group.arrays or None, part)
        group.keys.append(job.key)


def new_row(spec: RunSpec, chunk: Chunk, job: Job, image_sha256: str) -> dict[str, Any]:
    """The identity columns of ``job``'s row (see :data:`oodnic_platform.store.FIXED_COLUMNS`)."""
    coder = spec.coder(job.codec)
    variant = spec.variant(chunk.corruption, chunk.severity)
    return {
        "key": job.key,
        "dataset": spec.dataset_name,
        "image": job.image,
        "image_sha256": image_sha256,
        "corruption": chunk.corruption,
        "severity": chunk.severity,
        "frequency": variant.frequency,
        "corruption_version": variant.version,
        "seed": variant.seed,
        "codec": coder.name,
        "codec_version": coder.version,
        "codec_settings": coder.settings,
        "codec_fingerprint": coder.fingerprint,
        "codec_provenance": coder.provenance,
        "plugin": coder.plugin,
        "quality": job.quality,
    }


def failed_result(spec: RunSpec, chunk: Chunk, message: str, traceback: str = "", worker: str = "") -> ChunkResult:
    """Every job of ``chunk`` as an error row: what an executor returns for a chunk it could not run.

    ``message`` is the rows' one-line error; ``traceback`` their details. No contributions.
    """
    hashes = dict(spec.image_hashes)
    rows = [{**new_row(spec, chunk, job, hashes.get(job.image, "")), "status": "error", "error": message,
             "traceback": traceback} for job in chunk.jobs]
    return ChunkResult(rows=rows, worker=worker)
