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
image exactly for uint8 references (in float32 blocks of 256 squares, each
sum below 2**24, then in float64) and in float64 for float32 references.
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

    The phase ``(fy y + fx x) mod size`` is formed in integers and looked up
    in one cosine table, so a basis is bit-identical whatever batch it is built in.
    """
    if any(2 * max(abs(fy), abs(fx)) >= size for fy, fx in frequencies):
        raise ValueError(f"frequencies must stay below Nyquist ({size // 2} cycles per {size}-pixel crop)")
    table = np.cos(2 * math.pi * np.arange(size) / size)
    table = np.concatenate([table, table])  # indexed by a sum of two phases, each reduced mod size
    coords = np.arange(size, dtype=np.int64)
    out = np.empty((len(frequencies), size, size))
    for b, (fy, fx) in enumerate(frequencies):
        norm = float(size) if fy == fx == 0 else size / math.sqrt(2.0)
        out[b] = table[((fy * coords) % size)[:, None] + ((fx * coords) % size)[None, :]] / norm
    return out


def basis_signs(seed: int, image_sha256: str, frequency: Frequency) -> np.ndarray:
    """Three +-1 signs (one per channel) for one image and basis."""
    rng = derive_rng(seed, "fourier-heatmap", image_sha256, frequency[0], frequency[1])
    return rng.integers(0, 2, size=3).astype(np.float64) * 2.0 - 1.0


def sign_table(seed: int, sha256: Sequence[str], frequencies: Sequence[Frequency]) -> np.ndarray:
    """(B, N, 3) signs for every basis and image."""
    return np.array([[basis_signs(seed, sha, f) for sha in sha256] for f in frequencies])


def perturb(crops: np.ndarray, bases: np.ndarray, signs: np.ndarray, eps: float, feed: str) -> np.ndarray:
    """(N, S, S, 3) uint8 crops, (B, S, S) bases, (B, N, 3) signs -> (B, N, S, S, 3) perturbed inputs.

    ``feed`` ``uint8``: ``clip(x + r rint(255 eps U), 0, 255)`` in saturating
    uint8 arithmetic (exact); ``float32``: ``clip(x + r 255 eps U, 0, 255)``
    computed in float64. One basis at a time, so temporaries stay small.
    """
    if feed not in FEEDS:
        raise ValueError(f"unknown feed {feed!r} (choose {', '.join(FEEDS)})")
    out = np.empty((len(bases), *crops.shape), dtype=np.uint8 if feed == "uint8" else np.float32)
    for b, (basis, sign) in enumerate(zip(bases, signs)):
        if feed == "uint8":
            _shift_uint8(crops, np.rint((255.0 * eps) * basis), sign, out[b])
        else:
            moved = crops + ((255.0 * eps) * basis)[None, :, :, None] * sign[:, None, None, :]
            out[b] = np.clip(moved, 0.0, 255.0, out=moved)
    return out


def _shift_uint8(crops: np.ndarray, step: np.ndarray, signs: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = clip(crops[i] + signs[i, c] step, 0, 255)`` with uint8 saturating adds and subtracts.

    ``step`` (integers) splits into its positive and negative parts; at each
    pixel one of them is zero, so adding one and subtracting the other, each
    saturating, is the clipped sum.
    """
    up = np.minimum(np.maximum(step, 0), 255).astype(np.uint8)
    down = np.minimum(np.maximum(-step, 0), 255).astype(np.uint8)
    planes: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for image, sign, target in zip(crops, signs, out):
        key = tuple(sign > 0)
        if key not in planes:
            add = np.stack([up if positive else down for positive in key], axis=-1)
            sub = np.stack([down if positive else up for positive in key], axis=-1)
            planes[key] = (add, 255 - add, sub)
        add, room, sub = planes[key]
        np.minimum(image, room, out=target)
        target += add
        np.maximum(target, sub, out=target)
        target -= sub


#: Squares of uint8 differences summed in float32 blocks of this many stay below 2**24: exact.
_BLOCK = 256


def squared_errors(recon: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per-image sum of squared differences over the last three axes (exact for uint8 references)."""
    lead = np.broadcast_shapes(recon.shape, reference.shape)[:-3]
    if reference.dtype == np.uint8:
        diff = np.maximum(recon, reference)
        diff -= np.minimum(recon, reference)
        diff = diff.astype(np.float32).reshape(*lead, -1)
        whole = diff.shape[-1] // _BLOCK * _BLOCK
        blocks = diff[..., :whole].reshape(*lead, -1, _BLOCK)
        tail = diff[..., whole:]
        return (np.einsum("...ij,...ij->...i", blocks, blocks).sum(axis=-1, dtype=np.float64)
                + np.einsum("...i,...i->...", tail, tail).astype(np.float64))
    diff = np.subtract(recon, reference, dtype=np.float64).reshape(*lead, -1)
    return np.einsum("...i,...i->...", diff, diff)


def psnr(recon: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """PSNR (dB, peak 255) over the last three axes; ``inf`` where equal."""
    sse = squared_errors(recon, reference)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(255.0**2 * math.prod(recon.shape[-3:]) / sse)
