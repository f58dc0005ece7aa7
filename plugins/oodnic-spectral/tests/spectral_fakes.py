"""Test-only codecs with known errors; the bitstream is the raw reconstruction."""

from __future__ import annotations

import os

import numpy as np
from scipy.ndimage import gaussian_filter

from oodnic_platform import Codec, Sample


class RawCodec(Codec):
    """Applies :meth:`process` to the image; ``calls`` counts encoded images."""

    name = "spectral-test-raw"
    qualities = (1,)
    calls = 0

    def process(self, image: np.ndarray) -> np.ndarray:
        return image

    def encode(self, image: np.ndarray, quality) -> bytes:
        type(self).calls += 1
        out = np.clip(np.rint(self.process(image.astype(np.float64))), 0, 255).astype(np.uint8)
        return np.array(out.shape, dtype=np.int32).tobytes() + out.tobytes()

    def decode(self, data: bytes) -> np.ndarray:
        shape = tuple(np.frombuffer(data[:12], dtype=np.int32))
        return np.frombuffer(data[12:], dtype=np.uint8).reshape(shape).copy()


class IdentityCodec(RawCodec):
    name = "spectral-test-identity"


class SinusoidCodec(RawCodec):
    """Adds ``amplitude * cos(2 pi (ky y / H + kx x / W))`` to every channel."""

    name = "spectral-test-sinusoid"

    def __init__(self, ky: int, kx: int, amplitude: float = 20.0):
        self.ky, self.kx, self.amplitude = ky, kx, amplitude

    def process(self, image):
        h, w = image.shape[:2]
        y, x = np.mgrid[:h, :w]
        return image + self.amplitude * np.cos(2 * np.pi * (self.ky * y / h + self.kx * x / w))[:, :, None]


class BlurCodec(RawCodec):
    """Gaussian blur (sigma in pixels, periodic boundary)."""

    name = "spectral-test-blur"

    def __init__(self, sigma: float = 1.5):
        self.sigma = sigma

    def settings(self):
        return {"sigma": self.sigma}

    def process(self, image):
        return gaussian_filter(image, sigma=(self.sigma, self.sigma, 0), mode="wrap")


class ShadingCodec(RawCodec):
    """Adds a smooth vertical shading of one cycle per image height."""

    name = "spectral-test-shading"

    def process(self, image):
        h = image.shape[0]
        return image + 8.0 * np.cos(2 * np.pi * np.arange(h) / h)[:, None, None]


def code(codec: Codec, clean: np.ndarray, given: np.ndarray | None = None, corruption: str = "clean") -> Sample:
    """The Sample the runner would build for ``codec`` on ``given`` (default: the clean image)."""
    given = clean if given is None else given
    data = codec.encode(given, 1)
    return Sample(clean=clean, input=given, reconstruction=codec.decode(data), num_bytes=len(data),
                  corruption=corruption, severity=0 if corruption == "clean" else 3, codec=codec.name, quality=1)


def smooth_image(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth random colour image (blurred noise), mid-range so small additions do not clip."""
    rng = np.random.default_rng(seed)
    noise = gaussian_filter(rng.normal(size=(height, width, 3)), sigma=(6, 6, 0), mode="wrap")
    return np.clip(128 + 40 * noise / noise.std(), 30, 225).astype(np.uint8)


class LoadLoggingBlur(BlurCodec):
    """A blur whose ``load`` appends the process id to ``log`` (one line per load)."""

    name = "spectral-test-logged-blur"

    def __init__(self, log: str, sigma: float = 1.5):
        super().__init__(sigma)
        self.log = log

    def load(self, device: str) -> None:
        with open(self.log, "a") as handle:
            handle.write(f"{os.getpid()}\n")


class FloatDeviceCodec(RawCodec):
    """A device codec that accepts float input: rounds it (the reconstruction), records what it was fed."""

    name = "spectral-test-float"
    resource = "gpu"
    accepts_float = True

    def __init__(self):
        self.loads, self.batches, self.dtypes, self.fractional = 0, [], set(), False

    def load(self, device: str) -> None:
        self.loads += 1

    def encode_batch(self, images, quality):
        self.batches.append(len(images))
        for image in images:
            self.dtypes.add(image.dtype.name)
            self.fractional |= bool(np.any(image != np.rint(image)))
        return [self.encode(image, quality) for image in images]
