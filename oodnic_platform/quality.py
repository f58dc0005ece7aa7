"""Image quality measures on uint8 RGB images: PSNR and MS-SSIM."""

from __future__ import annotations

import numpy as np
import cv2

MS_SSIM_WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    """PSNR in dB over all pixels and channels; ``inf`` for identical images (exact integer sums for uint8)."""
    if a.dtype == np.uint8 and b.dtype == np.uint8:
        diff = (a.astype(np.int16) - b).ravel().astype(np.float64)  # squares summed exactly (< 2**53)
        mse = float(diff @ diff) / diff.size
    else:
        mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(peak * peak / mse)


def _gaussian(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size, dtype=np.float64) - size // 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


_WINDOW = _gaussian().astype(np.float32)
_HALF = len(_WINDOW) // 2


def _filter_valid(x: np.ndarray) -> np.ndarray:
    """Separable Gaussian filtering over the first two axes, keeping the 'valid' part (float32, OpenCV)."""
    out = cv2.sepFilter2D(x, -1, _WINDOW, _WINDOW, borderType=cv2.BORDER_CONSTANT)
    out = out.reshape(x.shape)  # OpenCV drops a trailing axis of one channel
    return out[_HALF:-_HALF, _HALF:-_HALF]


def _downsample(x: np.ndarray) -> np.ndarray:
    """2x2 average pooling; an odd side is zero-padded by one on both ends (as torch's avg_pool2d)."""
    pads = [(x.shape[0] % 2,) * 2, (x.shape[1] % 2,) * 2, (0, 0)]
    x = np.pad(x, pads)
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    x = x[:h, :w]
    return 0.25 * (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2])


class MsSsimReference:
    """One reference image's MS-SSIM pyramid (local means and energies per scale), reused for many images.

    Multi-scale SSIM (Wang et al. 2003) averaged over RGB channels: Gaussian
    window 11 / sigma 1.5, five scales, 2x2 average pooling, the definition
    CompressAI reports (``pytorch_msssim``; matched to 5e-6). Computed in
    float32 with OpenCV's separable filter: about ten times faster than float64
    and within 1e-6 of it; memory is a few float32 planes of the image.
    """

    def __init__(self, reference: np.ndarray, peak: float = 255.0):
        self.shape = reference.shape
        self.c1, self.c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
        self.levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        x = reference.astype(np.float32)
        for level in range(len(MS_SSIM_WEIGHTS) if min(self.shape[0], self.shape[1]) >= 161 else 0):
            mu, xx = np.split(_filter_valid(np.concatenate([x, x * x], axis=2)), 2, axis=2)
            self.levels.append((x, mu, xx))
            if level < len(MS_SSIM_WEIGHTS) - 1:
                x = _downsample(x)

    def score(self, image: np.ndarray) -> float:
        """MS-SSIM of ``image`` against the reference; NaN if either side is under 161 px."""
        if not self.levels:
            return float("nan")
        y = image.astype(np.float32)
        css = np.empty((len(self.levels), y.shape[2]))
        for level, (x, mu_x, xx) in enumerate(self.levels):
            for c in range(y.shape[2]):  # one channel at a time: a few planes of transient memory
                yc, xc = y[:, :, c : c + 1], x[:, :, c : c + 1]
                mu_y, yy, xy = np.split(_filter_valid(np.concatenate([yc, yc * yc, xc * yc], axis=2)), 3, axis=2)
                mx, mxx = mu_x[:, :, c : c + 1], xx[:, :, c : c + 1]
                mu_xy = mx * mu_y
                cs_map = (2 * (xy - mu_xy) + self.c2) / (mxx - mx * mx + yy - mu_y * mu_y + self.c2)
                if level == len(self.levels) - 1:
                    cs_map *= (2 * mu_xy + self.c1) / (mx * mx + mu_y * mu_y + self.c1)  # the SSIM map
                css[level, c] = max(float(cs_map.mean(dtype=np.float64)), 0.0)
            if level < len(self.levels) - 1:
                y = _downsample(y)
        return float(np.prod(css ** MS_SSIM_WEIGHTS[:, None], axis=0).mean())


def ms_ssim(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    """Multi-scale SSIM of ``b`` against ``a`` (see :class:`MsSsimReference`); NaN below 161 px."""
    if min(a.shape[0], a.shape[1]) < 161:
        return float("nan")
    return MsSsimReference(a, peak).score(b)
