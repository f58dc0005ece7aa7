"""Error spectra on the CPU (numpy and scipy.fft), as rfft2 half-planes (H, W//2+1) in float64.

Two definitions (``mode``):

- ``power``: ``|F(e_c)|^2 / (H W)`` of each channel's error ``e_c`` in [0, 1]
  units, averaged over the three channels. By Parseval the mean over the full
  plane equals the error's MSE, so spectra of different codecs add up and
  compare physically. F is linear, so F(x^ - x) = F(x^ - x~) + F(x~ - x): the
  last term depends only on the image and its corruption and is computed once.
- ``paper``: what Lieberman et al. (2023) compute: each image normalised per
  channel by the dataset mean/std (float32, as torchvision's ``ToTensor`` and
  ``Normalize`` do), the normalised difference rounded with ``np.round``
  semantics (half to even), turned grey with scikit-image's ``rgb2gray``
  (``rgb @ (0.2125, 0.7154, 0.0721)`` in float32), and ``|fft2(grey)|`` taken
  (not squared, not scaled), in these very numpy operations. The normalised
  images are shared by every reconstruction of the same image.

:class:`NumpyBackend` runs these on the CPU; ``spectra_torch.TorchBackend``
runs the same operations on a CUDA device.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

#: scikit-image ``rgb2gray`` weights (Rec. 709 luma).
GREY_WEIGHTS = (0.2125, 0.7154, 0.0721)


def power_scale(height: int, width: int) -> float:
    """Factor turning ``sum_c |F(e_c)|^2`` of uint8 errors into the channel mean of ``|F(e_c / 255)|^2 / (H W)``."""
    return 1.0 / (3 * 255.0**2 * height * width)


class NumpyBackend:
    """Spectra of H x W x 3 uint8 crops with numpy / scipy.fft on one CPU core."""

    #: identifies the backend (and device) in cache keys
    key = "numpy"

    def upload(self, image: np.ndarray) -> np.ndarray:
        return image

    def error_fft(self, recon: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """(3, H, W//2+1) complex128: ``rfft2`` of each channel of ``recon - ref`` (grey levels)."""
        error = np.subtract(recon, ref, dtype=np.int16).transpose(2, 0, 1).astype(np.float64, order="C")
        return scipy.fft.rfft2(error, overwrite_x=True)

    def power(self, spectrum: np.ndarray, scale: float) -> np.ndarray:
        """``scale`` times the channel sum of ``|spectrum|^2``: (H, W//2+1) float64."""
        parts = spectrum.view(np.float64).reshape(*spectrum.shape, 2)
        return np.einsum("cijk,cijk->ij", parts, parts) * scale

    def normalise(self, image: np.ndarray, mean: tuple, std: tuple) -> np.ndarray:
        """``Normalize(mean, std)(ToTensor()(image))`` as H x W x 3 float32."""
        out = image.astype(np.float32)
        out /= np.float32(255)
        out -= np.float32(mean)
        out /= np.float32(std)
        return out

    def paper(self, recon: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """``|rfft2(rgb2gray(round(recon - ref)))|`` of normalised images: (H, W//2+1) float64."""
        diff = recon - ref
        grey = np.round(diff, out=diff) @ np.asarray(GREY_WEIGHTS, dtype=np.float32)
        return np.abs(scipy.fft.rfft2(grey.astype(np.float64), overwrite_x=True))

    def host(self, array: np.ndarray) -> np.ndarray:
        return array
