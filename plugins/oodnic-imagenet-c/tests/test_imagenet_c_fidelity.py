"""Faithfulness to ``imagecorruptions`` 1.1.2 (the oracle) on Kodak, every corruption and severity.

Each corruption is rendered from the oracle's own random field (drawn from the
seeded legacy stream in the oracle's order) and must match its output to well
under one grey level of mean absolute difference. Where the randomness is per
pixel, the plugin's own draws must also give the oracle's PSNR-versus-clean
within 0.5 dB. To keep the oracle's time down, the second image is an odd-sized
centre crop, and glass blur (~10 s per full image and severity in the oracle)
runs on small crops.
"""

from __future__ import annotations

import numpy as np
import pytest

from oodnic_imagenet_c import CORRUPTIONS
from oodnic_platform import derive_rng, read_image

oracle = pytest.importorskip("imagenet_c_oracle", reason="needs imagecorruptions 1.1.2, the reference")

# image, crop (None: full size), crop for glass blur
IMAGES = (("kodim01.png", None, (96, 128)), ("kodim04.png", (257, 191), (95, 77)))
SEED = 2023
PER_PIXEL_RANDOM = {"gaussian_noise", "shot_noise", "impulse_noise", "glass_blur", "snow", "elastic_transform"}


def psnr(clean: np.ndarray, other: np.ndarray) -> float:
    mse = np.mean((clean.astype(np.float64) - other) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def centre_crop(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    top, left = (image.shape[0] - size[0]) // 2, (image.shape[1] - size[1]) // 2
    return image[top : top + size[0], left : left + size[1]]


@pytest.mark.parametrize("corruption", [c() for c in CORRUPTIONS], ids=lambda c: c.name)
def test_matches_the_oracle_on_kodak(kodak_dir, corruption):
    for name, crop, glass_crop in IMAGES:
        image = read_image(kodak_dir / name)
        crop = glass_crop if corruption.name == "glass_blur" else crop
        if crop is not None:
            image = centre_crop(image, crop)
        for severity in corruption.severities:
            expected = oracle.corrupt(image, corruption.name, severity, SEED)
            field = oracle.field(corruption, image, severity, SEED)
            aligned = corruption.render(image, corruption.param(severity), field)
            mad = np.abs(aligned.astype(np.int16) - expected).mean()
            assert mad < 0.1, f"{name} severity {severity}: mean |difference| {mad:.3f} grey levels"
            if corruption.name in PER_PIXEL_RANDOM:
                own = corruption.apply(image, severity, derive_rng(SEED, name, corruption.name, severity))
                gap = psnr(image, own) - psnr(image, expected)
                assert abs(gap) < 0.5, f"{name} severity {severity}: PSNR off by {gap:+.2f} dB"
