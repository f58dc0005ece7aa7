"""Fourier-basis perturbations (Yin et al. 2019) and PSNR, vectorised in numpy.

Basis (fy, fx) on an S x S crop is the unit-L2-norm cosine
``U = cos(2 pi (fy y + fx x) / S) / ||.||``, exactly what the paper's code
gets from ``irfftn`` of a one-hot half-plane spectrum. Each channel c of a
clean crop x (uint8) gets ``r_c 255 eps U`` with a sign ``r_c`` in {-1, +1}
drawn per image, basis and channel from a generator seeded by
(seed, image sha256, fy, fx). The codec is fed

- ``uint8`` (classic codecs): ``clip(x + r_c rint(255 eps U), 0, 255)``, which
  is ``round(255 clamp(x / 255 + eps r_c U, 0, 1))`` for integer x;
- ``float32`` (codecs with ``accepts_float``, as the paper feeds its neural
  codecs): ``clip(x + r_c 255 eps U, 0, 255)`` in float64, stored as float32,
  not rounded.

PSNR (peak 255) compares the uint8 reconstruction with the uint8 or float32
input it was given and with the clean crop; squared errors are summed per
image in int64 (uint8 references, exact) or float64.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from oodnic_platform import derive_rng

Frequency = tuple[int, int]
FEEDS = ("uint8", "float32")


def half_plane_frequencies(grid: int) -> list[Frequency]:
    """The (fy, fx) a point-symmetric ``grid`` x ``grid`` map needs: fx > 0, or fx = 0 and fy >= 0."""
    if grid < 1 or grid % 2 == 0:
        raise ValueError(f"the grid must be a positive odd number, got {grid}")
    half = grid // 2
    return [(fy, fx) for fy in range(-half, half + 1) for fx in range(half + 1) if fx > 0 or fy >= 0]


def fourier_bases(frequencies: Sequence[Frequency], size: int) -> np.ndarray:
    """(B, size, size) float64 unit-norm cosine bases.

    The phase is reduced modulo ``size`` in integers and looked up in one
    cosine table, so a basis is bit-identical whatever batch it is built in.
    """
    if any(2 * max(abs(fy), abs(fx)) >= size for fy, fx in frequencies):
        raise ValueError(f"frequencies must stay below Nyquist ({size // 2} cycles per {size}-pixel crop)")
    table = np.cos(2 * math.pi * np.arange(size) / size)
    freqs = np.asarray(frequencies, dtype=np.int64).reshape(-1, 2)
    coords = np.arange(size, dtype=np.int64)
    phase = freqs[:, 0, None, None] * coords[None, :, None] + freqs[:, 1, None, None] * coords[None, None, :]
    is_dc = (freqs == 0).all(axis=1)
    norms = np.where(is_dc, float(size), size / math.sqrt(2.0))
    return table[phase % size] / norms[:, None, None]


def basis_signs(seed: int, image_sha256: str, frequency: Frequency) -> np.ndarray:
    """Three +-1 signs (one per channel) for one image and basis."""
    rng = derive_rng(seed, "fourier-heatmap", image_sha256, frequency[0], frequency[1])
    return rng.integers(0, 2, size=3).astype(np.float64) * 2.0 - 1.0


def sign_table(seed: int, sha256: Sequence[str], frequencies: Sequence[Frequency]) -> np.ndarray:
    """(B, N, 3) signs for every basis and image."""
    return np.array([[basis_signs(seed, sha, f) for sha in sha256] for f in frequencies])


def perturb(crops: np.ndarray, bases: np.ndarray, signs: np.ndarray, eps: float, feed: str) -> np.ndarray:
    """(N, S, S, 3) uint8 crops, (B, S, S) bases, (B, N, 3) signs -> (B, N, S, S, 3) perturbed inputs.

    ``feed`` ``uint8``: ``clip(x + r rint(255 eps U), 0, 255)`` as uint8, in
    exact integer arithmetic; ``float32``: ``clip(x + r 255 eps U, 0, 255)``
    computed in float64. One basis at a time, so temporaries stay at N images.
    """
    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r} (choose {', '.join(FEEDS)})")
    shifts = (255.0 * eps) * bases
    out = np.empty((len(bases), *crops.shape), dtype=np.uint8 if feed == "uint8" else np.float32)
    if feed == "uint8":
        clean, shifts, signs = crops.astype(np.int16), np.rint(shifts).astype(np.int16), signs.astype(np.int16)
    else:
        clean = crops.astype(np.float64)
    for b, (shift, sign) in enumerate(zip(shifts, signs)):
        moved = clean + shift[None, :, :, None] * sign[:, None, None, :]
        np.clip(moved, 0, 255, out=moved)
        out[b] = moved
    return out


def squared_errors(recon: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per-image sum of squared differences over the last three axes (exact for uint8 references)."""
    if reference.dtype == np.uint8:
        diff = np.subtract(recon, reference, dtype=np.int16).reshape(*recon.shape[:-3], -1)
        return np.einsum("...i,...i->...", diff, diff, dtype=np.int64).astype(np.float64)
    diff = np.subtract(recon, reference, dtype=np.float64).reshape(*recon.shape[:-3], -1)
    return np.einsum("...i,...i->...", diff, diff)


def psnr(recon: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """PSNR (dB, peak 255) over the last three axes; ``inf`` where equal."""
    sse = squared_errors(recon, reference)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(255.0**2 * math.prod(recon.shape[-3:]) / sse)
