"""Fourier heat maps of a codec: bases batched, perturbation and PSNR vectorised, every core busy.

For each basis U of a K x K low-frequency grid, every clean crop x is
perturbed to x~ (see :mod:`.fourier`), coded to x^, and the image means of
PSNR(x^, x~) and PSNR(x^, x) are recorded, with the PSNR of the crops coded
unperturbed (the reference for the change a perturbation causes); the point-symmetric K x K maps
(rows fy, columns fx, from -K//2 to K//2 cycles per crop) go to an .npz.

Codecs with ``resource == "gpu"`` run in this process (one model load,
``batch`` images per ``encode_batch`` call); the others run in a pool of
``workers`` processes, each loading the codec once (:mod:`.heatmap_pool`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from oodnic_platform import Codec, ImageRef, Quality
from oodnic_platform.results import ArrayWriter

from .fourier import (FEEDS, Frequency, fourier_bases, half_plane_frequencies, perturb, psnr, sign_table)
from .geometry import landscape_crop
from .heatmap_store import BasisResult, HeatmapStore, run_key

#: the per-basis resume table lives in its own file; finished maps join the run folder's array groups
STORE_NAME = "fourier_heatmap.sqlite"
ARRAY_METRIC = "fourier_heatmap"

PERTURBATION = {
    "uint8": "clip(x + r_c rint(255 eps U), 0, 255) as uint8 (= round(255 clamp(x/255 + eps r_c U, 0, 1)))",
    "float32": "clip(x + r_c 255 eps U, 0, 255) as float32, not rounded (the paper's float input)",
}


@dataclass(frozen=True)
class HeatmapSettings:
    """``grid`` K (odd), square ``crop`` side, perturbation L2 norm ``eps`` ([0, 1] units), sign ``seed``,
    ``batch`` perturbed images per codec call, ``workers`` processes for codecs not run on a device."""

    grid: int = 63
    crop: int = 512
    eps: float = 4.0
    seed: int = 0
    batch: int = 16
    workers: int = 1


@dataclass(frozen=True)
class CropSet:
    """Clean centre crops (N, S, S, 3) uint8, with their names and hashes."""

    names: list[str]
    sha256: list[str]
    pixels: np.ndarray


def load_crops(refs: Sequence[ImageRef], crop: int) -> CropSet:
    """Portrait images transposed to landscape, then the centre ``crop`` x ``crop`` (as the paper's code)."""
    arrays = []
    for ref in refs:
        image = ref.load()
        if min(image.shape[:2]) < crop:
            raise ValueError(f"image {ref.name} ({image.shape[1]}x{image.shape[0]}) is smaller than the {crop} px crop")
        arrays.append(landscape_crop(image, (crop, crop)))
    return CropSet([r.name for r in refs], [r.sha256 for r in refs], np.stack(arrays))


def feed_of(codec: Codec) -> str:
    """``float32`` for codecs that accept unrounded float input (``accepts_float``), else ``uint8``."""
    return "float32" if getattr(codec, "accepts_float", False) else "uint8"


def in_process(codec: Codec, settings: HeatmapSettings) -> bool:
    """Device codecs (one model load, batched inference) and single-worker runs stay in this process."""
    return codec.resource == "gpu" or settings.workers <= 1


def measure_bases(
    codec: Codec, quality: Quality, crops: CropSet, frequencies: Sequence[Frequency], eps: float, seed: int,
    feed: str = "uint8",
) -> list[BasisResult]:
    """Perturb every crop with every basis, code them in one ``encode_batch`` call, average PSNRs per basis."""
    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r} (choose {', '.join(FEEDS)})")
    size = crops.pixels.shape[1]
    given = perturb(crops.pixels, fourier_bases(frequencies, size), sign_table(seed, crops.sha256, frequencies),
                    eps, feed)
    flat = list(given.reshape(-1, *given.shape[2:]))
    data = _checked(codec, codec.encode_batch(flat, quality), "encode")
    recon = np.stack([np.asarray(r, dtype=np.uint8) for r in _checked(codec, codec.decode_batch(data), "decode")])
    if recon.shape != (len(flat), *flat[0].shape):
        raise ValueError(f"codec {codec.name} decoded shape {recon.shape[1:]} differs from {flat[0].shape}")
    recon = recon.reshape(given.shape[:2] + recon.shape[1:])
    psnr_input = psnr(recon, given).mean(axis=1)
    psnr_clean = psnr(recon, crops.pixels[None]).mean(axis=1)
    bits = np.array([8.0 * len(d) for d in data]).reshape(len(frequencies), -1) / (size * size)
    return [
        BasisResult(tuple(f), float(pin), float(pcl), float(bpp))
        for f, pin, pcl, bpp in zip(frequencies, psnr_input, psnr_clean, bits.mean(axis=1))
    ]


def measure_unperturbed(codec: Codec, quality: Quality, crops: CropSet, feed: str) -> float:
    """Image mean of the PSNR of the clean crops coded as they are: the maps' reference level.

    Runs in this process: a device codec is loaded here; a pooled codec has ``resource = "cpu"`` and codes
    without ``load`` (which only device codecs need).
    """
    given = list(crops.pixels if feed == "uint8" else crops.pixels.astype(np.float32))
    data = _checked(codec, codec.encode_batch(given, quality), "encode")
    recon = np.stack([np.asarray(r, dtype=np.uint8) for r in _checked(codec, codec.decode_batch(data), "decode")])
    return float(psnr(recon, crops.pixels).mean())


def _checked(codec: Codec, items: list, step: str) -> list:
    """A codec's batch result, refused with one line when an item is an error (a map cannot have holes)."""
    for item in items:
        if isinstance(item, Exception):
            raise RuntimeError(f"codec {codec.name} failed to {step} a perturbed crop: {item}")
    return items


def assemble(grid: int, values: dict[Frequency, float]) -> np.ndarray:
    """The point-symmetric K x K map (row fy, column fx, from -K//2) from half-plane values."""
    half = grid // 2
    out = np.full((grid, grid), np.nan)
    for (fy, fx), value in values.items():
        if abs(fy) <= half and abs(fx) <= half:
            out[fy + half, fx + half] = value
            out[half - fy, half - fx] = value
    return out


def measure_chunk(codec: Codec, quality: Quality, crops: CropSet, chunk: Sequence[Frequency], eps: float,
                  seed: int, feed: str) -> list[BasisResult]:
    """One ``encode_batch`` call for the chunk on a device codec; one basis at a time on the CPU.

    Results are the same either way; a CPU codec codes image by image anyway, and
    one basis's arrays stay in the processor's cache (about 1.3x less CPU time
    per image than four bases at a time on 512 px crops).
    """
    if codec.resource == "gpu":
        return measure_bases(codec, quality, crops, chunk, eps, seed, feed)
    return [measure_bases(codec, quality, crops, [frequency], eps, seed, feed)[0] for frequency in chunk]


def measure_chunks(codec: Codec, quality: Quality, crops: CropSet, chunks: list[list[Frequency]],
                   settings: HeatmapSettings, feed: str) -> Iterator[list[BasisResult]]:
    """Results of each chunk of bases, in order: in this process (codec already loaded) or in a pool."""
    if in_process(codec, settings):
        for chunk in chunks:
            yield measure_chunk(codec, quality, crops, chunk, settings.eps, settings.seed, feed)
        return
    from .heatmap_pool import pool_results

    yield from pool_results(codec, quality, crops, chunks, settings, feed)


def run_heatmap(
    codec: Codec,
    quality: Quality,
    dataset: str,
    crops: CropSet,
    settings: HeatmapSettings,
    out_dir: str | Path,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Measure every missing basis (resuming from ``out_dir/fourier_heatmap.sqlite``), write the maps' .npz and
    add them to the folder's array groups (``oodnic_platform.results``, metric ``fourier_heatmap``).

    In-process runs (:func:`in_process`) need ``codec`` loaded; pool workers load their own copy.
    """
    out_dir = Path(out_dir)
    feed = feed_of(codec)
    description = {
        "codec": codec.name, "settings": codec.settings(), "version": codec.version(),
        "fingerprint": getattr(codec, "fingerprint", dict)(), "quality": quality, "dataset": dataset,
        "images": crops.sha256, "crop": settings.crop, "eps": settings.eps, "seed": settings.seed, "feed": feed,
    }
    key = run_key(description)
    store = HeatmapStore(out_dir / STORE_NAME)
    start = time.perf_counter()
    try:
        done = store.results(key)
        pending = [f for f in half_plane_frequencies(settings.grid) if f not in done]
        per_call = max(1, settings.batch // len(crops.names))
        if progress is not None:
            progress(len(half_plane_frequencies(settings.grid)) - len(pending))
        chunks = [pending[i : i + per_call] for i in range(0, len(pending), per_call)]
        last = time.perf_counter()
        for results in measure_chunks(codec, quality, crops, chunks, settings, feed):
            now = time.perf_counter()
            store.add(key, description, results, seconds=now - last)
            last = now
            if progress is not None:
                progress(len(results))
        results = store.results(key)
        timed_seconds, timed_bases = store.timing(key)
        unperturbed = store.unperturbed(key)
        if unperturbed is None:
            unperturbed = measure_unperturbed(codec, quality, crops, feed)  # in this process: one batch of crops
            store.set_unperturbed(key, unperturbed)
    finally:
        store.close()
    timing = {"measure_seconds": round(time.perf_counter() - start, 3), "timed_seconds": round(timed_seconds, 3),
              "timed_bases": timed_bases}
    return save_maps(out_dir, key, description, crops, settings, results, timing, unperturbed)


def _plain(value: dict) -> dict:
    """JSON-plain copy (numpy scalars and paths as their JSON or text form)."""
    return json.loads(json.dumps(value, default=str))


def save_maps(
    out_dir: Path, key: str, description: dict, crops: CropSet, settings: HeatmapSettings,
    results: dict[Frequency, BasisResult], timing: dict[str, float], unperturbed: float,
) -> Path:
    """The maps' .npz and the folder's array group; ``timing``: this run's ``measure_seconds``, and the
    ``timed_seconds`` and ``timed_bases`` of every run that measured bases of this key."""
    half = settings.grid // 2
    metadata = {
        **description, **asdict(settings), "run_key": key, "image_names": crops.names, "image_sha256": crops.sha256,
        "axes": "rows fy, columns fx, cycles per crop from -grid//2 to grid//2 (divide by crop for cycles/pixel)",
        "psnr": "image mean of PSNR (dB, peak 255): psnr_input vs the input the codec was fed, psnr_clean vs the "
                "clean crop; psnr_unperturbed: the clean crops coded unperturbed",
        "perturbation": PERTURBATION[description["feed"]] + "; U unit-L2 cosine, r_c = +-1 per channel, image, basis",
        **timing,
    }
    maps = {
        "psnr_input": assemble(settings.grid, {f: r.psnr_input for f, r in results.items()}),
        "psnr_clean": assemble(settings.grid, {f: r.psnr_clean for f, r in results.items()}),
        "bpp": assemble(settings.grid, {f: r.bpp for f, r in results.items()}),
        "psnr_unperturbed": np.array(unperturbed),
        "frequencies": np.arange(-half, half + 1),
    }
    path = out_dir / f"fourier_heatmap_{description['codec']}_q{description['quality']}_k{settings.grid}_{key[:10]}.npz"
    np.savez_compressed(path, **maps, metadata=np.array(json.dumps(metadata, default=str)))
    meta = {"codec": description["codec"], "codec_settings": description["settings"], "quality": description["quality"],
            "dataset": description["dataset"], "images": len(crops.names), "grid": settings.grid,
            "crop": settings.crop, "eps": settings.eps, "seed": settings.seed, "feed": description["feed"]}
    with ArrayWriter(out_dir) as writer:  # the run folder's array groups: what `oodnic report` shows
        writer.save(ARRAY_METRIC, _plain(meta), maps, _plain(metadata))
    return path
