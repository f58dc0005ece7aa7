"""Images: reading them safely into HxWx3 uint8 arrays, writing PNGs, and the one centre crop."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

#: Largest image accepted by default (width x height): 2**28, about 16k x 16k (``max_pixels`` in a run's TOML).
DEFAULT_MAX_PIXELS = 2**28
# Pillow's own bomb guard (a warning above 89 Mpx, an error above 179 Mpx) would refuse images under our
# documented limit; decode_image applies the limit itself, with the limit in the message.
Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, DEFAULT_MAX_PIXELS)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".ppm", ".pgm", ".webp")


class ImageError(ValueError):
    """An image that cannot be used; the message is one line for the result row."""


def decode_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode encoded image bytes into an HxWx3 uint8 array.

    Grayscale, palette, RGBA (alpha dropped), CMYK and 16-bit images are
    converted; images declaring more than ``max_pixels`` pixels are refused
    before their pixels are decoded.
    """
    if not data:
        raise ImageError("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise ImageError(f"image declares {width}x{height} = {width * height} pixels, more than the "
                                     f"limit of {max_pixels} (max_pixels)")
                img.load()
                return to_rgb_array(img)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageError(f"image refused: more pixels than twice the limit of {max_pixels} (max_pixels): {exc}") from None
    except Image.UnidentifiedImageError:
        raise ImageError("not a readable image file") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"cannot decode image: {exc}") from None


def to_rgb_array(img: Image.Image) -> np.ndarray:
    """Convert any Pillow image to HxWx3 uint8 (16-bit samples are scaled, not clipped)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "I;16N"):
        arr = np.asarray(img).astype(np.float64)
        peak = 65535.0 if arr.max(initial=0) > 255 or img.mode.startswith("I;16") else 255.0
        gray = np.clip(np.round(arr * (255.0 / peak)), 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if img.mode == "F":
        gray = np.clip(np.round(np.asarray(img)), 0, 255).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if img.mode != "RGB":
        img = img.convert("RGB")
    arr = np.asarray(img, dtype=np.uint8)
    return np.ascontiguousarray(arr)


def read_image(path: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image file; raises :class:`ImageError` with a one-line reason."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ImageError(f"cannot read file: {exc.strerror or exc}") from None
    return decode_image(data, max_pixels)


def encode_png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def centre_crop(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``torchvision.transforms.CenterCrop((height, width))`` on an HxWxC array, zero-padding a smaller image."""
    h, w = image.shape[:2]
    if height > h or width > w:
        pad_h, pad_w = max(0, height - h), max(0, width - w)
        image = np.pad(image, ((pad_h // 2, (pad_h + 1) // 2), (pad_w // 2, (pad_w + 1) // 2), (0, 0)))
        h, w = image.shape[:2]
    top, left = int(round((h - height) / 2.0)), int(round((w - width) / 2.0))
    return np.ascontiguousarray(image[top : top + height, left : left + width])


def as_image(array: np.ndarray) -> np.ndarray:
    """Check (and where unambiguous, fix) that a codec or corruption returned HxWx3 uint8."""
    arr = np.asarray(array)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 image, got shape {arr.shape}")
    if arr.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {arr.dtype}")
    return np.ascontiguousarray(arr)
