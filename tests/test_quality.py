"""PSNR and MS-SSIM against independent implementations."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from oodnic_platform.quality import ms_ssim, psnr


def noisy(image, sigma, seed=0):
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def test_psnr_matches_the_definition_and_is_infinite_for_identical_images():
    a = data.astronaut()
    b = noisy(a, 5)
    mse = np.mean((a.astype(float) - b) ** 2)
    assert psnr(a, b) == pytest.approx(10 * np.log10(255**2 / mse))
    assert psnr(a, a) == float("inf")
    black, white = np.zeros((512, 768, 3), np.uint8), np.full((512, 768, 3), 255, np.uint8)
    assert psnr(black, white) == 0.0  # sums far beyond 32-bit integers stay exact


@pytest.mark.parametrize("sigma", [2, 10, 40])
def test_ms_ssim_matches_pytorch_msssim(sigma):
    torch = pytest.importorskip("torch", reason="torch not installed")
    reference = pytest.importorskip("pytorch_msssim", reason="pytorch_msssim (a CompressAI dependency) not installed")
    a = data.coffee()
    b = noisy(a, sigma)
    as_tensor = lambda x: torch.from_numpy(x).permute(2, 0, 1)[None].double()
    expected = reference.ms_ssim(as_tensor(a), as_tensor(b), data_range=255).item()
    assert ms_ssim(a, b) == pytest.approx(expected, abs=5e-6)


def test_ms_ssim_is_nan_below_its_minimum_size():
    tiny = np.zeros((37, 53, 3), np.uint8)
    assert np.isnan(ms_ssim(tiny, tiny))
