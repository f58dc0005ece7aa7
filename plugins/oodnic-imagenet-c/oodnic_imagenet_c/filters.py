"""Vectorised building blocks that reproduce ImageNet-C's helpers at any image size.

Each one computes what the reference helper (``imagecorruptions`` 1.1.2) computes,
with OpenCV / NumPy doing the work instead of Python loops.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def gaussian_blur(image: np.ndarray, sigma: tuple[float, float], truncate: float, border: int) -> np.ndarray:
    """``scipy.ndimage.gaussian_filter`` over the two image axes: ``sigma`` = (rows, cols).

    Same kernel (radius ``int(truncate * sigma + 0.5)``); ``border`` is an OpenCV
    border (``BORDER_REPLICATE`` = scipy 'nearest', ``BORDER_REFLECT`` = 'reflect').
    """
    ksize = tuple(2 * int(truncate * s + 0.5) + 1 for s in (sigma[1], sigma[0]))
    return cv2.GaussianBlur(image, ksize, sigmaX=sigma[1], sigmaY=sigma[0], borderType=border)


def disk(radius: float, alias_blur: float) -> np.ndarray:
    """ImageNet-C's anti-aliased disk kernel (float32, sums to one before the blur)."""
    if radius <= 8:
        span, ksize = np.arange(-8, 8 + 1), (3, 3)
    else:
        span, ksize = np.arange(-radius, radius + 1), (5, 5)
    x, y = np.meshgrid(span, span)
    aliased = np.array((x**2 + y**2) <= radius**2, dtype=np.float32)
    aliased /= np.sum(aliased)
    return cv2.GaussianBlur(aliased, ksize=ksize, sigmaX=alias_blur)


def motion_taps(radius: int, sigma: float, angle: float, shape: tuple[int, int]) -> dict[tuple[int, int], float]:
    """ImageNet-C's motion-blur line as {(dy, dx): weight}, stopping where it leaves the image."""
    width = 2 * radius + 1
    weights = np.exp(-np.arange(width) ** 2 / (2 * sigma**2)) / (np.sqrt(2 * np.pi) * sigma)
    weights /= np.sum(weights)
    point = (width * np.sin(np.deg2rad(angle)), width * np.cos(np.deg2rad(angle)))
    hypot = math.hypot(point[0], point[1])
    taps: dict[tuple[int, int], float] = {}
    for i in range(width):
        dy = -math.ceil(((i * point[0]) / hypot) - 0.5)
        dx = -math.ceil(((i * point[1]) / hypot) - 0.5)
        if abs(dy) >= shape[0] or abs(dx) >= shape[1]:
            break
        taps[(dy, dx)] = taps.get((dy, dx), 0.0) + float(weights[i])
    return taps


def motion_blur(image: np.ndarray, taps: dict[tuple[int, int], float]) -> np.ndarray:
    """Sum of ``weight * image`` shifted by (dy, dx) with edge replication (float32 out)."""
    image = image.astype(np.float32, copy=False)
    height, width = image.shape[:2]
    pad_y = max(abs(dy) for dy, _ in taps)
    pad_x = max(abs(dx) for _, dx in taps)
    padded = cv2.copyMakeBorder(image, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_REPLICATE)
    if padded.ndim < image.ndim:  # OpenCV drops a trailing channel axis of 1
        padded = padded[..., None]
    out = np.zeros_like(image)
    for (dy, dx), weight in taps.items():
        top, left = pad_y - dy, pad_x - dx
        cv2.scaleAdd(padded[top : top + height, left : left + width], weight, out, dst=out)
    return out


def _zoom_axis(size: int, factor: float, keep: int | None) -> tuple[slice, np.ndarray, np.ndarray, np.ndarray]:
    """The centre crop and, per output sample, taps and weights into it, along one axis.

    That is ImageNet-C's ``clipped_zoom`` = scipy ``zoom(order=1)`` (corners aligned,
    mode 'constant'): a sample that rounding puts past the last source pixel is 0,
    as scipy makes it.
    """
    crop = int(np.ceil(size / float(factor)))
    start = (size - crop) // 2
    out_size = int(round(crop * factor))
    step = (crop - 1) / (out_size - 1) if out_size > 1 else 1.0
    coords = np.arange(out_size if keep is None else min(keep, out_size)) * step
    low = np.minimum(np.floor(coords).astype(np.intp), max(crop - 2, 0))
    frac = coords - low
    inside = coords <= crop - 1
    return slice(start, start + crop), low, (1 - frac) * inside, frac * inside


def _lerp(image: np.ndarray, axis: int, low: np.ndarray, w_low: np.ndarray, w_high: np.ndarray) -> np.ndarray:
    """``w_low * image[low] + w_high * image[low + 1]`` (clamped) along ``axis`` (0 or 1) of HxWxC."""
    high = np.minimum(low + 1, image.shape[axis] - 1)
    a = np.take(image, low, axis=axis)
    b = np.take(image, high, axis=axis)
    channels = image.shape[2]
    if axis == 0:  # weights per row
        w_low, w_high = w_low[:, None], w_high[:, None]
    else:  # weights per column, repeated per channel so inner loops run over whole rows
        w_low, w_high = np.repeat(w_low, channels)[None], np.repeat(w_high, channels)[None]
    flat_a, flat_b = a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1)
    flat_a *= w_low.astype(image.dtype)
    flat_b *= w_high.astype(image.dtype)
    flat_a += flat_b
    return a


def clipped_zoom(image: np.ndarray, factor: float, keep: tuple[int, int] | None = None) -> np.ndarray:
    """Zoom the centre of HxWxC ``image`` by ``factor`` (bilinear, corners aligned like scipy ``zoom``).

    ``keep`` = (rows, cols) computes only that top-left part of the result.
    """
    row_crop, *rows = _zoom_axis(image.shape[0], factor, None if keep is None else keep[0])
    col_crop, *cols = _zoom_axis(image.shape[1], factor, None if keep is None else keep[1])
    return _lerp(_lerp(image[row_crop, col_crop], 0, *rows), 1, *cols)


def bilinear_reflect(image: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Sample HxWxC ``image`` at float (``rows``, ``cols``): scipy ``map_coordinates`` order 1, 'reflect'."""
    height, width, channels = image.shape
    row0, col0 = np.floor(rows), np.floor(cols)
    pad = int(max(0.0, -row0.min(), -col0.min(), row0.max() - height + 2, col0.max() - width + 2))
    # half-sample symmetric padding ('reflect') makes every corner an in-bounds index
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="symmetric") if pad else image
    stride = padded.shape[1]
    pixels = padded.reshape(-1, channels)
    # weights repeated per channel, so that all arithmetic runs on flat arrays
    frow = np.repeat((rows - row0).astype(image.dtype).reshape(-1), channels)
    fcol = np.repeat((cols - col0).astype(image.dtype).reshape(-1), channels)
    top_left = ((row0.astype(np.intp) + pad) * stride + col0.astype(np.intp) + pad).reshape(-1)

    def row_lerp(corner: np.ndarray) -> np.ndarray:
        left = np.take(pixels, corner, axis=0).reshape(-1)
        right = np.take(pixels, corner + 1, axis=0).reshape(-1)
        right -= left
        right *= fcol
        return np.add(left, right, out=left)

    top = row_lerp(top_left)
    bottom = row_lerp(top_left + stride)
    bottom -= top
    bottom *= frow
    return np.add(top, bottom, out=top).reshape(image.shape)
