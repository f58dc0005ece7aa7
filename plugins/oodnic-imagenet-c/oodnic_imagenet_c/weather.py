"""Low-frequency weather corruptions: snow, frost and fog."""

from __future__ import annotations

import cv2
import numpy as np

from . import textures
from .base import ImageNetCCorruption, per_channel, to_uint8, unit_to_uint8
from .filters import clipped_zoom, motion_blur, motion_taps
from .plasma import next_power_of_2, plasma_fractal


class Snow(ImageNetCCorruption):
    name = "snow"
    frequency = "low"
    description = "motion-blurred snowflakes over a whitened image"
    # flake mean, flake std, zoom, threshold, blur radius, blur sigma, image weight
    params = (
        (0.1, 0.3, 3, 0.5, 10, 4, 0.8),
        (0.2, 0.3, 2, 0.5, 12, 4, 0.7),
        (0.55, 0.3, 4, 0.9, 12, 8, 0.7),
        (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65),
        (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55),
    )

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: tuple) -> tuple[np.ndarray, float]:
        """A normal field of the image's size and the fall angle (degrees)."""
        flakes = rng.normal(loc=param[0], scale=param[1], size=image.shape[:2])
        return flakes, float(rng.uniform(-135, -45))

    def render(self, image: np.ndarray, param: tuple, field: tuple[np.ndarray, float]) -> np.ndarray:
        _, _, zoom, threshold, radius, sigma, weight = param
        flakes, angle = field
        layer = clipped_zoom(flakes[..., None], zoom)[..., 0]
        layer[layer < threshold] = 0
        layer = np.clip(layer, 0, 1)
        layer = motion_blur(layer, motion_taps(radius, sigma, angle, layer.shape))
        height, width = image.shape[:2]
        layer = (np.round(layer * 255).astype(np.uint8) / 255.0)[:height, :width]
        layer += np.rot90(layer, k=2)
        x = image.astype(np.float32) / 255.0
        whitened = per_channel(cv2.cvtColor(x, cv2.COLOR_RGB2GRAY) * 1.5 + 0.5)
        x = weight * x + (1 - weight) * np.maximum(x, whitened)
        return unit_to_uint8(x + per_channel(layer))


class Frost(ImageNetCCorruption):
    name = "frost"
    frequency = "low"
    description = "blend with a random crop of a frost photograph (textures from 'imagecorruptions')"
    params = ((1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75))  # image weight, frost weight

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: tuple) -> tuple[int, int, int]:
        """(texture index, crop top, crop left)."""
        index = int(rng.integers(textures.USED))
        frost = textures.fitted(index, image.shape[:2])
        top = int(rng.integers(0, frost.shape[0] - image.shape[0]))
        left = int(rng.integers(0, frost.shape[1] - image.shape[1]))
        return index, top, left

    def render(self, image: np.ndarray, param: tuple, field: tuple[int, int, int]) -> np.ndarray:
        index, top, left = field
        height, width = image.shape[:2]
        frost = textures.fitted(index, (height, width))[top : top + height, left : left + width]
        return to_uint8(param[0] * image + param[1] * frost)


class Fog(ImageNetCCorruption):
    name = "fog"
    frequency = "low"
    description = "add a plasma-fractal haze, then rescale"
    params = ((1.5, 2), (2.0, 2), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4))  # haze strength, fractal decay

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: tuple) -> np.ndarray:
        """A square plasma fractal covering the image (side: next power of two)."""
        return plasma_fractal(next_power_of_2(max(image.shape)), param[1], rng)

    def render(self, image: np.ndarray, param: tuple, field: np.ndarray) -> np.ndarray:
        height, width = image.shape[:2]
        x = image / 255.0
        peak = x.max()
        x += param[0] * per_channel(field[:height, :width])
        return unit_to_uint8(x * peak / (peak + param[0]))
