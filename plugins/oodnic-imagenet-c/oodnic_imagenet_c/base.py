"""The shared shape of an ImageNet-C corruption: draw a random field, then render.

Splitting ``apply`` into :meth:`ImageNetCCorruption.draw` (every random number,
from the platform's Generator) and :meth:`ImageNetCCorruption.render`
(deterministic) lets the tests feed the reference implementation's own random
field and compare the rendering pixel for pixel.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any, Sequence

import cv2
import numpy as np

from oodnic_platform import Corruption


def _versions() -> str:
    names = ("oodnic-imagenet-c", "numpy", "scipy", "opencv-python", "pillow")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} ?")
    return "; ".join(found)


VERSION = _versions()


def check_image(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as a contiguous HxWx3 uint8 array; HxW and HxWx1 are made grey RGB.

    Raises a one-line :class:`ValueError` for anything else.
    """
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3):
        raise ValueError(f"expected an HxWx3 (or HxW, HxWx1) image, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"expected a non-empty image, got shape {arr.shape}")
    if arr.shape[2] == 1:
        arr = np.repeat(arr, 3, axis=2)
    return np.ascontiguousarray(arr)


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Clip to [0, 255] and truncate, as ImageNet-C's ``np.uint8(...)`` does."""
    return np.clip(values, 0, 255).astype(np.uint8)


def unit_to_uint8(values: np.ndarray) -> np.ndarray:
    """Clip to [0, 1], scale by 255 and truncate (ImageNet-C's ``np.clip(x, 0, 1) * 255``)."""
    return (np.clip(values, 0, 1) * 255).astype(np.uint8)


def per_channel(plane: np.ndarray) -> np.ndarray:
    """An HxW plane repeated into HxWx3 (faster in arithmetic than broadcasting an HxWx1)."""
    return cv2.merge([plane, plane, plane])


class ImageNetCCorruption(Corruption):
    """One ImageNet-C corruption: ``params[severity - 1]`` are Hendrycks & Dietterich's values."""

    params: Sequence[Any] = ()

    def version(self) -> str:
        return VERSION

    def param(self, severity: int) -> Any:
        if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)) or not 1 <= severity <= len(self.params):
            raise ValueError(f"{self.name}: severity must be an integer in 1..{len(self.params)}, got {severity!r}")
        return self.params[int(severity) - 1]

    def apply(self, image: np.ndarray, severity: int, rng: np.random.Generator) -> np.ndarray:
        image = check_image(image)
        param = self.param(severity)
        return self.render(image, param, self.draw(rng, image, param))

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: Any) -> Any:
        """Every random number the corruption needs (``None`` for deterministic ones)."""
        return None

    def render(self, image: np.ndarray, param: Any, field: Any) -> np.ndarray:
        """The corrupted HxWx3 uint8 image, given the random ``field`` from :meth:`draw`."""
        raise NotImplementedError
