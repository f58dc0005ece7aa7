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

SPECTRUM_SIZE = (32, 48)


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
    """Channel-mean |rfft2(a - b)|^2 / (H W) of a centre crop in [0, 1] pixel units: the rfft2 half-plane."""
    h, w = a.shape[:2]
    top, left = (h - SPECTRUM_SIZE[0]) // 2, (w - SPECTRUM_SIZE[1]) // 2
    crop = (a.astype(float) - b.astype(float))[top : top + SPECTRUM_SIZE[0], left : left + SPECTRUM_SIZE[1]] / 255.0
    spectrum = np.fft.rfft2(crop, axes=(0, 1))
    return (np.abs(spectrum) ** 2).mean(axis=2) / (SPECTRUM_SIZE[0] * SPECTRUM_SIZE[1])


class Spectra(Metric):
    """D on clean input, G and R on corrupted input, saved in oodnic-spectral's layout 2 (float32 half-planes)."""

    name, accumulates = "fixture_spectra", True

    def version(self) -> str:
        return "2"

    def accumulate(self, sample: Sample):
        if sample.is_clean:
            return {"D": error_power(sample.reconstruction, sample.clean), "count": np.ones(1)}
        return {"G": error_power(sample.reconstruction, sample.input),
                "R": error_power(sample.reconstruction, sample.clean), "count": np.ones(1)}

    def finalize(self, total):
        height, width = SPECTRUM_SIZE
        freq_y, freq_x = np.fft.fftfreq(height), np.fft.rfftfreq(width)
        step = 1.0 / min(height, width)
        radius = np.hypot(freq_y[:, None], freq_x[None, :])
        bins = np.rint(radius / step).astype(int).ravel()
        weights = np.where((np.arange(len(freq_x)) == 0) | (np.arange(len(freq_x)) == width // 2), 1.0, 2.0)
        weights = np.broadcast_to(weights, radius.shape).ravel()
        out = {"count": total["count"], "freq_y": freq_y, "freq_x": freq_x,
               "radial_frequency": np.arange(bins.max() + 1) * step}
        for kind in ("D", "G", "R"):
            if kind in total:
                half = total[kind] / total["count"][0]
                out[f"{kind}_half"] = half.astype(np.float32)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[f"{kind}_radial"] = (np.bincount(bins, weights * half.ravel()) / np.bincount(bins, weights))
        return out

    def metadata(self):
        return {"mode": "power", "size": list(SPECTRUM_SIZE), "layout_version": 2, "band_edges": [0.125, 0.25],
                "radial_bin_width": 1.0 / min(SPECTRUM_SIZE), "units": "|F(e)|^2/(H W), channel mean",
                "unfold": "full[i, j] = X_half[(-i) mod H, W - j] for j > W // 2"}


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
