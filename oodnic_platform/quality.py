"""Image quality measures on uint8 RGB images: PSNR and MS-SSIM."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import correlate1d

MS_SSIM_WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])


def psnr(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    """PSNR in dB over all pixels and channels; ``inf`` for identical images."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(peak * peak / mse)


def _gaussian(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size, dtype=np.float64) - size // 2
    g = np.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def _filter_valid(x: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Separable 'valid' filtering over the first two axes."""
    half = len(window) // 2
    y = correlate1d(x, window, axis=0, mode="constant")[half:-half or None]
    return correlate1d(y, window, axis=1, mode="constant")[:, half:-half or None]


def _ssim_terms(x: np.ndarray, y: np.ndarray, peak: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean SSIM and mean contrast-structure term (Wang et al. 2004).

    The five local statistics are filtered in one stacked pass.
    """
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    stack = np.concatenate([x, y, x * x, y * y, x * y], axis=2)
    mu_x, mu_y, xx, yy, xy = np.split(_filter_valid(stack, _gaussian()), 5, axis=2)
    sxx, syy, sxy = xx - mu_x**2, yy - mu_y**2, xy - mu_x * mu_y
    cs_map = (2 * sxy + c2) / (sxx + syy + c2)
    ssim_map = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1) * cs_map
    return ssim_map.mean(axis=(0, 1)), cs_map.mean(axis=(0, 1))


def _downsample(x: np.ndarray) -> np.ndarray:
    """2x2 average pooling; an odd side is zero-padded by one on both ends (as torch's avg_pool2d)."""
    pads = [(x.shape[0] % 2,) * 2, (x.shape[1] % 2,) * 2, (0, 0)]
    x = np.pad(x, pads)
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    x = x[:h, :w]
    return 0.25 * (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2])


def ms_ssim(a: np.ndarray, b: np.ndarray, peak: float = 255.0) -> float:
    """Multi-scale SSIM (Wang et al. 2003) averaged over RGB channels.

    Gaussian window 11 / sigma 1.5, five scales, 2x2 average pooling: the
    definition CompressAI reports (``pytorch_msssim``, matched to 5e-6). Needs both sides >= 161 px; smaller images give NaN.
    """
    if min(a.shape[0], a.shape[1]) < 161:
        return float("nan")
    x, y = a.astype(np.float64), b.astype(np.float64)  # float32 would lose ~1e-4 to cancellation
    css = []
    for level in range(len(MS_SSIM_WEIGHTS)):
        ssim, cs = _ssim_terms(x, y, peak)
        if level == len(MS_SSIM_WEIGHTS) - 1:
            break
        css.append(np.maximum(cs, 0.0))
        x, y = _downsample(x), _downsample(y)
    stack = np.stack([*css, np.maximum(ssim, 0.0)])  # scales x channels
    per_channel = np.prod(stack ** MS_SSIM_WEIGHTS[:, None], axis=0)
    return float(per_channel.mean())
