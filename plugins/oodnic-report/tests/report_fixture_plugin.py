"""Test-only plugin for the report's tests: Pillow JPEG and WebP codecs (real bitstreams), three seeded
corruptions (one per frequency group) and an accumulating metric writing D / G / R spectra in
oodnic-spectral's array layout on a small centre crop. Loaded with ``OODNIC_PLUGIN_MODULES``.
"""

from __future__ import annotations

import io

import numpy as np
import PIL
from PIL import Image
from scipy import ndimage

from oodnic_platform import Codec, Corruption, Metric, Sample, hookimpl

SPECTRUM_SIZE = 32


class PillowCodec(Codec):
    """A Pillow still-image format at a ``quality`` in 1..100."""

    qualities = (5, 15, 40, 80)

    def __init__(self, name: str, image_format: str):
        self.name = name
        self.image_format = image_format

    def version(self) -> str:
        return PIL.__version__

    def encode(self, image: np.ndarray, quality) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format=self.image_format, quality=int(quality))
        return buffer.getvalue()

    def decode(self, data: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


class Noise(Corruption):
    name, frequency = "fixture_noise", "high"

    def version(self) -> str:
        return "1"

    def apply(self, image, severity, rng):
        return np.clip(image + rng.normal(0.0, 6.0 * severity, image.shape), 0, 255).astype(np.uint8)


class Blur(Corruption):
    name, frequency = "fixture_blur", "medium"

    def version(self) -> str:
        return "1"

    def apply(self, image, severity, rng):
        return ndimage.uniform_filter(image, size=(1 + 2 * severity, 1 + 2 * severity, 1))


class Contrast(Corruption):
    name, frequency = "fixture_contrast", "low"

    def version(self) -> str:
        return "1"

    def apply(self, image, severity, rng):
        mean = image.mean(axis=(0, 1), keepdims=True)
        return np.clip((image - mean) * (1.0 - 0.15 * severity) + mean, 0, 255).astype(np.uint8)


def error_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """fftshift-ed channel-mean |F(a - b)|^2 / (H W) of a centre crop, in [0, 1] pixel units."""
    h, w = a.shape[:2]
    top, left = (h - SPECTRUM_SIZE) // 2, (w - SPECTRUM_SIZE) // 2
    crop = (a.astype(float) - b.astype(float))[top : top + SPECTRUM_SIZE, left : left + SPECTRUM_SIZE] / 255.0
    spectrum = np.fft.fft2(crop, axes=(0, 1))
    return np.fft.fftshift((np.abs(spectrum) ** 2).mean(axis=2) / SPECTRUM_SIZE**2)


class Spectra(Metric):
    """D on clean input, G and R on corrupted input; finalized like oodnic-spectral (planes + radial profiles)."""

    name, accumulates = "fixture_spectra", True

    def accumulate(self, sample: Sample):
        if sample.is_clean:
            return {"D": error_power(sample.reconstruction, sample.clean), "count": np.ones(1)}
        return {"G": error_power(sample.reconstruction, sample.input),
                "R": error_power(sample.reconstruction, sample.clean), "count": np.ones(1)}

    def finalize(self, total):
        freq = np.fft.fftshift(np.fft.fftfreq(SPECTRUM_SIZE))
        radius = np.rint(np.hypot(*np.meshgrid(freq, freq, indexing="ij")) * SPECTRUM_SIZE).astype(int)
        out = {"count": total["count"], "freq_x": freq, "freq_y": freq,
               "radial_frequency": np.arange(radius.max() + 1) / SPECTRUM_SIZE}
        for kind in ("D", "G", "R"):
            if kind in total:
                plane = total[kind] / total["count"][0]
                out[kind] = plane
                out[f"{kind}_radial"] = np.bincount(radius.ravel(), plane.ravel()) / np.bincount(radius.ravel())
        return out

    def metadata(self):
        return {"mode": "power", "size": [SPECTRUM_SIZE, SPECTRUM_SIZE]}


@hookimpl
def register_codecs(register):
    register(PillowCodec("fixture_jpeg", "JPEG"))
    register(PillowCodec("fixture_webp", "WEBP"))


@hookimpl
def register_corruptions(register):
    for corruption in (Noise(), Blur(), Contrast()):
        register(corruption)


@hookimpl
def register_metrics(register):
    register(Spectra())
