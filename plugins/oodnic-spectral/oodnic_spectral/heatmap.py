"""Fourier heat maps of a codec: one process, codec loaded once, bases x images batched.

For each basis U of a K x K low-frequency grid, every clean crop x is
perturbed to x~ (see :mod:`.fourier`), coded to x^, and the image means of
PSNR(x^, x~) and PSNR(x^, x) are recorded; the point-symmetric K x K maps
(rows fy, columns fx, from -K//2 to K//2 cycles per crop) go to an .npz.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from oodnic_platform import Codec, ImageRef, Quality

from .fourier import Frequency, basis_signs, fourier_bases, half_plane_frequencies, perturb, psnr
from .geometry import landscape_crop
from .heatmap_store import BasisResult, HeatmapStore, run_key


@dataclass(frozen=True)
class HeatmapSettings:
    """``grid`` K (odd), square ``crop`` side, perturbation L2 norm ``eps`` ([0, 1] units), sign ``seed``,
    ``batch`` perturbed images per codec call."""

    grid: int = 63
    crop: int = 512
    eps: float = 4.0
    seed: int = 0
    batch: int = 16


@dataclass(frozen=True)
class CropSet:
    """Clean centre crops (N, 3, S, S) uint8 on a device, with their names and hashes."""

    names: list[str]
    sha256: list[str]
    pixels: torch.Tensor


def load_crops(refs: Sequence[ImageRef], crop: int, device: torch.device | str) -> CropSet:
    """Portrait images transposed to landscape, then the centre ``crop`` x ``crop`` (as the paper's code)."""
    arrays = []
    for ref in refs:
        image = ref.load()
        if min(image.shape[:2]) < crop:
            raise ValueError(f"image {ref.name} ({image.shape[1]}x{image.shape[0]}) is smaller than the {crop} px crop")
        arrays.append(landscape_crop(image, (crop, crop)))
    pixels = torch.from_numpy(np.stack(arrays)).to(device).permute(0, 3, 1, 2).contiguous()
    return CropSet([r.name for r in refs], [r.sha256 for r in refs], pixels)


def measure_bases(
    codec: Codec, quality: Quality, crops: CropSet, frequencies: Sequence[Frequency], eps: float, seed: int
) -> list[BasisResult]:
    """Perturb every crop with every basis, code them in one ``encode_batch`` call, average PSNRs per basis."""
    device = crops.pixels.device
    bases = fourier_bases(frequencies, crops.pixels.shape[-1], device)
    signs = torch.tensor(
        np.array([[basis_signs(seed, sha, f) for sha in crops.sha256] for f in frequencies]), device=device
    )
    perturbed = perturb(crops.pixels, bases, signs, eps)
    flat = perturbed.flatten(0, 1).permute(0, 2, 3, 1).cpu().numpy()
    data = codec.encode_batch(list(flat), quality)
    recon_np = np.stack([np.asarray(r, dtype=np.uint8) for r in codec.decode_batch(data)])
    if recon_np.shape != flat.shape:
        raise ValueError(f"codec {codec.name} decoded shape {recon_np.shape[1:]} differs from {flat.shape[1:]}")
    recon = torch.from_numpy(recon_np).to(device).permute(0, 3, 1, 2).reshape(perturbed.shape)
    psnr_input = psnr(recon, perturbed).mean(dim=1).cpu().numpy()
    psnr_clean = psnr(recon, crops.pixels[None]).mean(dim=1).cpu().numpy()
    bits = np.array([8.0 * len(d) for d in data]).reshape(len(frequencies), -1) / crops.pixels[0, 0].numel()
    return [
        BasisResult(tuple(f), float(pin), float(pcl), float(bpp))
        for f, pin, pcl, bpp in zip(frequencies, psnr_input, psnr_clean, bits.mean(axis=1))
    ]


def assemble(grid: int, values: dict[Frequency, float]) -> np.ndarray:
    """The point-symmetric K x K map (row fy, column fx, from -K//2) from half-plane values."""
    half = grid // 2
    out = np.full((grid, grid), np.nan)
    for (fy, fx), value in values.items():
        if abs(fy) <= half and abs(fx) <= half:
            out[fy + half, fx + half] = value
            out[half - fy, half - fx] = value
    return out


def run_heatmap(
    codec: Codec,
    quality: Quality,
    dataset: str,
    crops: CropSet,
    settings: HeatmapSettings,
    out_dir: str | Path,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Measure every missing basis (resuming from ``out_dir/results.sqlite``) and write the maps' .npz."""
    out_dir = Path(out_dir)
    description = {
        "codec": codec.name, "settings": codec.settings(), "version": codec.version(), "quality": quality,
        "dataset": dataset, "images": crops.sha256, "crop": settings.crop, "eps": settings.eps, "seed": settings.seed,
    }
    key = run_key(description)
    store = HeatmapStore(out_dir / "results.sqlite")
    try:
        done = store.results(key)
        pending = [f for f in half_plane_frequencies(settings.grid) if f not in done]
        per_call = max(1, settings.batch // len(crops.names))
        if progress is not None:
            progress(len(half_plane_frequencies(settings.grid)) - len(pending))
        for start in range(0, len(pending), per_call):
            chunk = pending[start : start + per_call]
            store.add(key, description, measure_bases(codec, quality, crops, chunk, settings.eps, settings.seed))
            if progress is not None:
                progress(len(chunk))
        results = store.results(key)
    finally:
        store.close()
    return save_maps(out_dir, key, description, crops, settings, results)


def save_maps(
    out_dir: Path, key: str, description: dict, crops: CropSet, settings: HeatmapSettings,
    results: dict[Frequency, BasisResult],
) -> Path:
    half = settings.grid // 2
    metadata = {
        **description, **asdict(settings), "run_key": key, "image_names": crops.names, "image_sha256": crops.sha256,
        "axes": "rows fy, columns fx, cycles per crop from -grid//2 to grid//2 (divide by crop for cycles/pixel)",
        "psnr": "image mean of PSNR (dB, uint8): psnr_input vs the perturbed input, psnr_clean vs the clean crop",
        "perturbation": "round(255 clamp(x + eps r_c U, 0, 1)), U unit-L2 cosine, r_c = +-1 per channel, image, basis",
    }
    path = out_dir / f"fourier_heatmap_{description['codec']}_q{description['quality']}_k{settings.grid}_{key[:10]}.npz"
    np.savez(
        path,
        psnr_input=assemble(settings.grid, {f: r.psnr_input for f, r in results.items()}),
        psnr_clean=assemble(settings.grid, {f: r.psnr_clean for f, r in results.items()}),
        bpp=assemble(settings.grid, {f: r.bpp for f, r in results.items()}),
        frequencies=np.arange(-half, half + 1),
        metadata=np.array(json.dumps(metadata, default=str)),
    )
    return path
