"""High-frequency corruptions: Gaussian, shot (Poisson) and impulse (salt-and-pepper) noise."""

from __future__ import annotations

import numpy as np

from .base import ImageNetCCorruption, unit_to_uint8
from .poisson import poisson_of_levels


class GaussianNoise(ImageNetCCorruption):
    name = "gaussian_noise"
    frequency = "high"
    description = "additive Gaussian noise, std 0.08..0.38 of the range"
    params = (0.08, 0.12, 0.18, 0.26, 0.38)

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: float) -> np.ndarray:
        """Standard normal noise, one value per sample (float32)."""
        return rng.standard_normal(image.shape, dtype=np.float32)

    def render(self, image: np.ndarray, param: float, field: np.ndarray) -> np.ndarray:
        return unit_to_uint8(image * np.float32(1 / 255) + field * np.float32(param))


class ShotNoise(ImageNetCCorruption):
    name = "shot_noise"
    frequency = "high"
    description = "Poisson photon noise with 60..3 photons at full scale"
    params = (60, 25, 12, 5, 3)

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: int) -> np.ndarray:
        """Photon counts: Poisson with mean ``image / 255 * param``."""
        return poisson_of_levels(rng, image, param)

    def render(self, image: np.ndarray, param: int, field: np.ndarray) -> np.ndarray:
        table = unit_to_uint8(np.arange(field.max(initial=0) + 1) / float(param))  # per photon count
        return np.take(table, field)


class ImpulseNoise(ImageNetCCorruption):
    name = "impulse_noise"
    frequency = "high"
    description = "salt-and-pepper noise on 3..27 % of the samples"
    params = (0.03, 0.06, 0.09, 0.17, 0.27)

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: float) -> np.ndarray:
        """Per sample: +1 salt, -1 pepper (each with probability ``param / 2``), 0 unchanged."""
        u = rng.random(image.shape, dtype=np.float32)
        field = (u < param).astype(np.int8)
        field[u < param / 2] = -1
        return field

    def render(self, image: np.ndarray, param: float, field: np.ndarray) -> np.ndarray:
        out = image.copy()
        out[field > 0] = 255
        out[field < 0] = 0
        return out
