"""Medium-frequency blurs: defocus, glass, motion and zoom."""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from . import glass
from .base import ImageNetCCorruption, to_uint8, unit_to_uint8
from .filters import clipped_zoom, disk, motion_blur, motion_taps


class DefocusBlur(ImageNetCCorruption):
    name = "defocus_blur"
    frequency = "medium"
    description = "convolution with an anti-aliased disk of radius 3..10 px"
    params = ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5))  # radius, alias blur

    def render(self, image: np.ndarray, param: tuple, field: None) -> np.ndarray:
        kernel = disk(radius=param[0], alias_blur=param[1])
        return unit_to_uint8(cv2.filter2D(image / 255.0, -1, kernel))


class GlassBlur(ImageNetCCorruption):
    name = "glass_blur"
    frequency = "medium"
    description = "Gaussian blur, local pixel shuffling within 1..4 px, Gaussian blur again"
    params = ((0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2))  # sigma, max delta, passes

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: tuple) -> np.ndarray:
        """Offsets (dx, dy) in [-delta, delta) for each pass and visited pixel, in visiting order."""
        _, delta, passes = param
        rows, cols = glass.visit_grid(image.shape[:2], delta)
        return rng.integers(-delta, delta, size=(passes, rows.size, cols.size, 2), dtype=np.int8)

    def render(self, image: np.ndarray, param: tuple, field: np.ndarray) -> np.ndarray:
        sigma, delta, _ = param
        # scipy's filter, as the reference uses: the first result is truncated to
        # uint8, where OpenCV's last-bit differences would show on flat areas
        blurred = ndimage.gaussian_filter(image / 255.0, (sigma, sigma, 0), mode="nearest", truncate=4.0)
        shuffled = glass.shuffle((blurred * 255).astype(np.uint8), delta, field)
        out = ndimage.gaussian_filter(shuffled / 255.0, (sigma, sigma, 0), mode="nearest", truncate=4.0)
        return unit_to_uint8(out)


class MotionBlur(ImageNetCCorruption):
    name = "motion_blur"
    frequency = "medium"
    description = "blur along a random direction within 45 degrees of horizontal"
    params = ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15))  # radius, sigma

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: tuple) -> float:
        """The blur angle in degrees."""
        return float(rng.uniform(-45, 45))

    def render(self, image: np.ndarray, param: tuple, field: float) -> np.ndarray:
        taps = motion_taps(param[0], param[1], field, image.shape[:2])
        return to_uint8(motion_blur(image, taps))


class ZoomBlur(ImageNetCCorruption):
    name = "zoom_blur"
    frequency = "medium"
    description = "average of the image zoomed by 1 up to 1.11..1.31 about its centre"
    params = (
        np.arange(1, 1.11, 0.01),
        np.arange(1, 1.16, 0.01),
        np.arange(1, 1.21, 0.02),
        np.arange(1, 1.26, 0.02),
        np.arange(1, 1.31, 0.03),
    )

    def render(self, image: np.ndarray, param: np.ndarray, field: None) -> np.ndarray:
        x = (image / 255.0).astype(np.float32)
        out = np.zeros_like(x)
        for factor in param:
            out += clipped_zoom(x, factor, keep=x.shape[:2])
        return unit_to_uint8((x + out) / (len(param) + 1))
