"""Where each spectrum bin lies: common image geometry, radial frequencies and bands.

Images of any size are brought to one fixed ``size`` (H, W) before their
errors are transformed, as the paper's code does for Kodak and CLIC: a
portrait image is transposed to landscape, then centre-cropped (larger
images) or zero-padded (smaller ones) the way ``torchvision``'s
``CenterCrop`` does. Padded pixels are zero in both images, so they add no
error. Frequencies are in cycles per pixel (Nyquist = 0.5 along each axis).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

BAND_NAMES = ("low", "mid", "high")


def landscape_crop(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Transpose a portrait HxWxC image to landscape, then centre-crop / zero-pad it to ``size``."""
    if image.shape[0] > image.shape[1]:
        image = image.transpose(1, 0, 2)
    height, width = size
    pad_h, pad_w = max(height - image.shape[0], 0), max(width - image.shape[1], 0)
    if pad_h or pad_w:
        image = np.pad(image, ((pad_h // 2, (pad_h + 1) // 2), (pad_w // 2, (pad_w + 1) // 2), (0, 0)))
    top = int(round((image.shape[0] - height) / 2.0))
    left = int(round((image.shape[1] - width) / 2.0))
    return np.ascontiguousarray(image[top : top + height, left : left + width])


@dataclass(frozen=True)
class HalfPlane:
    """The ``rfft2`` half-plane of an H x W real signal: radii, weights, radial bins, bands.

    ``weights`` counts how many bins of the full plane each half-plane bin
    stands for (2 for the mirrored columns, 1 for column 0 and the Nyquist
    column), so weighted sums over the half-plane equal full-plane sums.
    """

    height: int
    width: int
    band_edges: tuple[float, ...]

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width // 2 + 1

    @cached_property
    def radius(self) -> np.ndarray:
        fy = np.fft.fftfreq(self.height)[:, None]
        fx = np.fft.rfftfreq(self.width)[None, :]
        return np.sqrt(fy**2 + fx**2)

    @cached_property
    def weights(self) -> np.ndarray:
        weights = np.full(self.shape, 2.0)
        weights[:, 0] = 1.0
        if self.width % 2 == 0:
            weights[:, -1] = 1.0
        return weights

    @property
    def radial_step(self) -> float:
        """Width of a radial bin: one frequency step of the shorter side (cycles/pixel)."""
        return 1.0 / min(self.height, self.width)

    @cached_property
    def radial_bin(self) -> np.ndarray:
        return np.rint(self.radius / self.radial_step).astype(np.int64)

    @property
    def radial_frequency(self) -> np.ndarray:
        """Centre of each radial bin, cycles/pixel (bin 0 is DC alone)."""
        return np.arange(int(self.radial_bin.max()) + 1) * self.radial_step

    @cached_property
    def band_masks(self) -> np.ndarray:
        """(bands, H, W//2+1) booleans: low is radius < edge 0, ..., high is radius >= last edge."""
        band = np.searchsorted(np.asarray(self.band_edges), self.radius, side="right")
        return np.stack([band == i for i in range(len(self.band_edges) + 1)])

    def radial_average(self, half: np.ndarray) -> np.ndarray:
        """Mean of a half-plane spectrum over the full-plane bins of each radial bin."""
        index, weights = self.radial_bin.ravel(), self.weights.ravel()
        sums = np.bincount(index, weights * half.ravel())
        counts = np.bincount(index, weights)
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums / counts

    def band_fractions(self, half: np.ndarray) -> np.ndarray:
        """Share of the full-plane sum of ``half`` in each band (NaN when the sum is 0)."""
        weighted = half * self.weights
        parts = np.array([weighted[mask].sum() for mask in self.band_masks])
        total = parts.sum()
        return parts / total if total > 0 else np.full(len(parts), np.nan)

    def full_plane(self, half: np.ndarray) -> np.ndarray:
        """The fftshift-ed H x W spectrum of a real signal from its half-plane magnitudes."""
        height, width = self.height, self.width
        full = np.empty((height, width), dtype=half.dtype)
        full[:, : half.shape[1]] = half
        mirror = np.arange(half.shape[1], width)
        rows = (-np.arange(height)) % height
        full[:, mirror] = half[rows][:, width - mirror]
        return np.fft.fftshift(full)
