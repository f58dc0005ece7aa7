"""Where each spectrum bin lies: common image geometry, radial frequencies and bands.

Images of any size are brought to one fixed ``size`` (H, W) before their
errors are transformed, as the paper's code does for Kodak and CLIC: a
portrait image is transposed to landscape, then centre-cropped (larger
images) or zero-padded (smaller ones) the way ``torchvision``'s
``CenterCrop`` does. Padded pixels are zero in both images, so they add no
error. Frequencies are in cycles per pixel (Nyquist = 0.5 along each axis).

Spectra live on the ``rfft2`` half-plane: H rows (row i has frequency
``numpy.fft.fftfreq(H)[i]``, DC first, not shifted) and W//2 + 1 columns
(column j has frequency ``j / W``). The spectra of real images are
point-symmetric, so the half-plane holds the whole plane (:func:`unfold`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

BAND_NAMES = ("low", "mid", "high")


def landscape_crop(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Transpose a portrait HxWxC image to landscape, then centre-crop / zero-pad it to ``size``.

    An image already of ``size`` comes back as itself (no copy).
    """
    if image.shape[0] > image.shape[1]:
        image = image.transpose(1, 0, 2)
    height, width = size
    pad_h, pad_w = max(height - image.shape[0], 0), max(width - image.shape[1], 0)
    if pad_h or pad_w:
        image = np.pad(image, ((pad_h // 2, (pad_h + 1) // 2), (pad_w // 2, (pad_w + 1) // 2), (0, 0)))
    top = int(round((image.shape[0] - height) / 2.0))
    left = int(round((image.shape[1] - width) / 2.0))
    return np.ascontiguousarray(image[top : top + height, left : left + width])


def unfold(half: np.ndarray, width: int) -> np.ndarray:
    """The full H x ``width`` plane (``numpy.fft.fft2`` order) of a point-symmetric half-plane.

    ``full[i, j] = half[i, j]`` for ``j <= width // 2`` and
    ``full[i, j] = half[(-i) % H, width - j]`` for ``j > width // 2``;
    ``numpy.fft.fftshift(full)`` then puts DC at ``(H // 2, width // 2)``.
    """
    height = half.shape[0]
    full = np.empty((height, width), dtype=half.dtype)
    full[:, : half.shape[1]] = half
    mirror = np.arange(half.shape[1], width)
    full[:, mirror] = half[(-np.arange(height)) % height][:, width - mirror]
    return full


def round_mantissa(values: np.ndarray, bits: int) -> np.ndarray:
    """float32 copy of ``values`` rounded (to nearest, ties to even) to ``bits`` explicit mantissa bits.

    The relative rounding error is at most ``2 ** -(bits + 1)``; the dropped low
    bits are zero, which is what lets ``savez_compressed`` shrink the array.
    """
    if not 0 <= bits <= 23:
        raise ValueError(f"mantissa bits must be 0-23, got {bits}")
    out = np.asarray(values, dtype=np.float32).copy()
    drop = 23 - bits
    if drop:
        raw = out.view(np.uint32)
        finite = np.isfinite(out)
        keep_odd = (raw >> np.uint32(drop)) & np.uint32(1)
        rounded = (raw + (np.uint32(1 << (drop - 1)) - np.uint32(1) + keep_odd)) & ~np.uint32((1 << drop) - 1)
        raw[finite] = rounded[finite]
    return out


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

    @property
    def freq_y(self) -> np.ndarray:
        return np.fft.fftfreq(self.height)

    @property
    def freq_x(self) -> np.ndarray:
        return np.fft.rfftfreq(self.width)

    @cached_property
    def radius(self) -> np.ndarray:
        return np.sqrt(self.freq_y[:, None] ** 2 + self.freq_x[None, :] ** 2)

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
    def radial_counts(self) -> np.ndarray:
        """Full-plane bins in each radial bin."""
        return np.bincount(self.radial_bin.ravel(), self.weights.ravel())

    @cached_property
    def band_weights(self) -> np.ndarray:
        """(bands, H * (W//2+1)): ``weights`` inside each band, zero outside.

        Bands: low is radius < edge 0, ..., high is radius >= the last edge.
        """
        band = np.searchsorted(np.asarray(self.band_edges), self.radius, side="right")
        return np.stack([(band == i) * self.weights for i in range(len(self.band_edges) + 1)]).reshape(
            len(self.band_edges) + 1, -1)

    def radial_sums(self, half: np.ndarray) -> np.ndarray:
        """Full-plane sum of a half-plane spectrum over each radial bin."""
        return np.bincount(self.radial_bin.ravel(), self.weights.ravel() * half.ravel(),
                           minlength=len(self.radial_counts))

    def radial_average(self, half: np.ndarray) -> np.ndarray:
        """Mean of a half-plane spectrum over the full-plane bins of each radial bin."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.radial_sums(half) / self.radial_counts

    def band_sums(self, half: np.ndarray) -> np.ndarray:
        """Full-plane sum of a half-plane spectrum in each band."""
        return self.band_weights @ half.ravel()

    def band_fractions(self, half: np.ndarray) -> np.ndarray:
        """Share of the full-plane sum of ``half`` in each band (NaN when the sum is 0)."""
        return fractions(self.band_sums(half))


def fractions(parts: np.ndarray) -> np.ndarray:
    """``parts`` over their sum, NaN when the sum is not positive."""
    total = parts.sum()
    return parts / total if total > 0 else np.full(len(parts), np.nan)
