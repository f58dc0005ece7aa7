"""Digital corruptions: brightness, contrast, elastic transform, pixelate and JPEG."""

from __future__ import annotations

import io
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from .base import ImageNetCCorruption, unit_to_uint8
from .filters import bilinear_reflect, gaussian_blur


@lru_cache(maxsize=8)
def _brightness_table(shift: float) -> np.ndarray:
    """Output level for (value, channel level): 256 x 256 uint8, flattened."""
    # HSV round trip in closed form: hue and saturation are kept, so every
    # channel scales by new_value / value (grey when value is 0).
    value = np.arange(256)[:, None] / 255.0
    level = np.arange(256)[None, :] / 255.0
    brighter = np.minimum(value + shift, 1)
    out = level * np.divide(brighter, value, out=np.zeros_like(value), where=value > 0)
    np.copyto(out, np.broadcast_to(brighter, out.shape), where=level == value)
    table = unit_to_uint8(out).reshape(-1)
    table.flags.writeable = False
    return table


class Brightness(ImageNetCCorruption):
    name = "brightness"
    frequency = "low"
    description = "add 0.1..0.5 to the HSV value channel"
    params = (0.1, 0.2, 0.3, 0.4, 0.5)

    def render(self, image: np.ndarray, param: float, field: None) -> np.ndarray:
        value = np.maximum(np.maximum(image[..., 0], image[..., 1]), image[..., 2])
        index = np.repeat(value.reshape(-1), 3).astype(np.intp) << 8
        index |= image.reshape(-1)
        return np.take(_brightness_table(param), index).reshape(image.shape)


class Contrast(ImageNetCCorruption):
    name = "contrast"
    frequency = "low"
    description = "scale each channel's deviation from its mean by 0.4..0.05"
    params = (0.4, 0.3, 0.2, 0.1, 0.05)

    def render(self, image: np.ndarray, param: float, field: None) -> np.ndarray:
        means = np.mean(image / 255.0, axis=(0, 1))
        levels = np.arange(256)[:, None] / 255.0
        table = unit_to_uint8((levels - means) * param + means)  # 256 x 3: one lookup per channel
        return cv2.LUT(image, table[None])


class ElasticTransform(ImageNetCCorruption):
    name = "elastic_transform"
    frequency = "medium"
    description = "warp by a smoothed random displacement field"
    params = (250 * 0.05, 250 * 0.065, 250 * 0.085, 250 * 0.1, 250 * 0.12)  # alpha

    def draw(self, rng: np.random.Generator, image: np.ndarray, param: float) -> tuple[np.ndarray, np.ndarray]:
        """Uniform column and row displacements, within 0.5 % of the height, before smoothing."""
        limit = image.shape[0] * 0.005
        dx = rng.uniform(-limit, limit, size=image.shape[:2])
        dy = rng.uniform(-limit, limit, size=image.shape[:2])
        return dx, dy

    def render(self, image: np.ndarray, param: float, field: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        height, width = image.shape[:2]
        sigma = (height * 0.01, width * 0.01)
        dx, dy = (gaussian_blur(d.astype(np.float32), sigma, 3.0, cv2.BORDER_REFLECT) * np.float32(param) for d in field)
        rows = np.arange(height)[:, None] + dy
        cols = np.arange(width)[None, :] + dx
        return unit_to_uint8(bilinear_reflect(image.astype(np.float32) / 255.0, rows, cols))


class Pixelate(ImageNetCCorruption):
    name = "pixelate"
    frequency = "medium"
    description = "box-downsample to 60..25 % and upsample with nearest neighbour"
    params = (0.6, 0.5, 0.4, 0.3, 0.25)

    def render(self, image: np.ndarray, param: float, field: None) -> np.ndarray:
        height, width = image.shape[:2]
        small = (max(1, int(width * param)), max(1, int(height * param)))
        pil = Image.fromarray(image).resize(small, Image.BOX).resize((width, height), Image.NEAREST)
        return np.asarray(pil)


class JpegCompression(ImageNetCCorruption):
    name = "jpeg_compression"
    frequency = "medium"
    description = "Pillow JPEG at quality 25..7"
    params = (25, 18, 15, 10, 7)

    def render(self, image: np.ndarray, param: int, field: None) -> np.ndarray:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, "JPEG", quality=param)
        with Image.open(buffer) as decoded:
            return np.asarray(decoded.convert("RGB"))
