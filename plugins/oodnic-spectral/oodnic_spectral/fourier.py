"""Fourier-basis perturbations (Yin et al. 2019) built in batch on a torch device.

Basis (fy, fx) on an S x S crop is the unit-L2-norm cosine
``cos(2 pi (fy y + fx x) / S) / ||.||``, exactly what the paper's code gets
from ``irfftn`` of a one-hot half-plane spectrum. The perturbed image is
``round(255 clamp(x + eps r_c U, 0, 1))`` with x in [0, 1] and an
independent sign ``r_c`` in {-1, +1} per channel (and per image and basis),
drawn from a generator seeded by (seed, image sha256, fy, fx).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from oodnic_platform import derive_rng

Frequency = tuple[int, int]


def half_plane_frequencies(grid: int) -> list[Frequency]:
    """The (fy, fx) a point-symmetric ``grid`` x ``grid`` map needs: fx > 0, or fx = 0 and fy >= 0."""
    if grid < 1 or grid % 2 == 0:
        raise ValueError(f"the grid must be a positive odd number, got {grid}")
    half = grid // 2
    return [(fy, fx) for fy in range(-half, half + 1) for fx in range(half + 1) if fx > 0 or fy >= 0]


def fourier_bases(frequencies: Sequence[Frequency], size: int, device: torch.device | str) -> torch.Tensor:
    """(B, size, size) float64 unit-norm cosine bases.

    The phase is reduced modulo ``size`` in integers and looked up in one
    cosine table, so a basis is bit-identical whatever batch it is built in.
    """
    if any(2 * max(abs(fy), abs(fx)) >= size for fy, fx in frequencies):
        raise ValueError(f"frequencies must stay below Nyquist ({size // 2} cycles per {size}-pixel crop)")
    table = torch.cos(2 * math.pi * torch.arange(size, dtype=torch.float64, device=device) / size)
    freqs = torch.tensor(frequencies, dtype=torch.int64, device=device).reshape(-1, 2)
    coords = torch.arange(size, dtype=torch.int64, device=device)
    phase = freqs[:, 0, None, None] * coords[None, :, None] + freqs[:, 1, None, None] * coords[None, None, :]
    bases = table[torch.remainder(phase, size)]
    is_dc = (freqs == 0).all(dim=1)
    norms = torch.where(is_dc, float(size), size / math.sqrt(2.0)).to(torch.float64)
    return bases / norms[:, None, None]


def basis_signs(seed: int, image_sha256: str, frequency: Frequency) -> np.ndarray:
    """Three +-1 signs (one per channel) for one image and basis."""
    rng = derive_rng(seed, "fourier-heatmap", image_sha256, frequency[0], frequency[1])
    return rng.integers(0, 2, size=3).astype(np.float64) * 2.0 - 1.0


def perturb(images: torch.Tensor, bases: torch.Tensor, signs: torch.Tensor, eps: float) -> torch.Tensor:
    """(N, 3, S, S) uint8 images, (B, S, S) bases, (B, N, 3) +-1 signs -> (B, N, 3, S, S) uint8.

    ``round(clamp(x + 255 eps r U, 0, 255))`` in float32; the sign product is
    exact, so every element is rounded once and batching cannot change it.
    """
    scaled = (255.0 * eps) * bases.float()
    out = torch.addcmul(images.float()[None], signs.float()[:, :, :, None, None], scaled[:, None, None])
    return out.clamp_(0.0, 255.0).round_().to(torch.uint8)


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """PSNR (dB, peak 255) over the last three dims of uint8 tensors; ``inf`` where equal.

    The squared errors are integers summed in float64, hence exact in any order.
    """
    diff = (a.to(torch.int16) - b.to(torch.int16)).float()
    sse = (diff * diff).sum(dim=(-3, -2, -1), dtype=torch.float64)
    return 10.0 * torch.log10(255.0**2 * math.prod(diff.shape[-3:]) / sse)
