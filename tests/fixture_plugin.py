"""A test-only plugin: a tiny quantising codec, a seeded noise corruption and an accumulating metric.

Real codecs live in plugins/; this one only exercises the runner.
"""

from __future__ import annotations

import os
import zlib

import numpy as np

from oodnic_platform import Codec, Corruption, Metric, Sample, file_sha256, hookimpl


class QuantCodec(Codec):
    """Keeps the top ``quality`` bits of each sample, zlib-compressed: real bytes, deterministic.

    ``fail_on`` (a mean pixel value, as text) makes it raise for matching images.
    """

    name = "quant"
    qualities = (2, 4, 6)
    quality_range = (1, 8)
    header = 8

    def __init__(self, fail_on: str = ""):
        self.fail_on = fail_on

    def settings(self):
        return {"fail_on": self.fail_on}

    def version(self):
        return "1.0"

    def encode(self, image, quality):
        if self.fail_on and int(image.mean()) == int(self.fail_on):
            raise RuntimeError(f"quant refuses mean {self.fail_on}")
        if os.environ.get("OODNIC_TEST_SLOW"):
            import time

            time.sleep(float(os.environ["OODNIC_TEST_SLOW"]))
        h, w, _ = image.shape
        shift = 8 - int(quality)
        body = zlib.compress((image >> shift).tobytes(), 6)
        return np.array([h, w], dtype="<u4").tobytes() + bytes([shift]) + body

    def decode(self, data):
        h, w = np.frombuffer(data[:8], dtype="<u4")
        shift = data[8]
        arr = np.frombuffer(zlib.decompress(data[9:]), dtype=np.uint8).reshape(int(h), int(w), 3)
        return ((arr.astype(np.uint16) << shift) + ((1 << shift) >> 1)).clip(0, 255).astype(np.uint8)


class Offset(Codec):
    """Adds the integer stored in a weights file to every pixel: a codec whose output its weights fix."""

    name = "offset"
    qualities = (1,)
    weights = ""

    def settings(self):
        return {"weights": self.weights}

    def fingerprint(self, qualities=None):
        return {"weights": file_sha256(self.weights)} if self.weights else {}

    def encode(self, image, quality):
        offset = int(open(self.weights).read()) if self.weights else 0
        h, w, _ = image.shape
        pixels = np.clip(image.astype(int) + offset, 0, 255).astype(np.uint8)
        return np.array([h, w], dtype="<u4").tobytes() + pixels.tobytes()

    def decode(self, data):
        h, w = np.frombuffer(data[:8], dtype="<u4")
        return np.frombuffer(data[8:], dtype=np.uint8).reshape(int(h), int(w), 3).copy()


class Noise(Corruption):
    name = "test_noise"
    frequency = "high"

    def version(self):
        return "1.0"

    def apply(self, image, severity, rng):
        noise = rng.normal(0, 4.0 * severity, image.shape)
        return np.clip(image + noise, 0, 255).astype(np.uint8)


class MeanError(Metric):
    """Accumulates the mean absolute error image over a group (centre ``crop`` x ``crop``)."""

    name = "mean_abs_error"
    accumulates = True
    crop = 16

    def settings(self):
        return {"crop": self.crop}

    def compute(self, sample: Sample):
        return {"max": float(np.abs(sample.input.astype(int) - sample.reconstruction).max())}

    def accumulate(self, sample):
        error = np.abs(sample.input.astype(np.float64) - sample.reconstruction)
        h, w, _ = error.shape
        size = self.crop
        if min(h, w) < size:
            raise ValueError(f"mean_abs_error needs {size}x{size} pixels, got {w}x{h}")
        top, left = (h - size) // 2, (w - size) // 2
        return {"sum": error[top : top + size, left : left + size], "count": np.array(1.0)}

    def finalize(self, total):
        return {"mean": total["sum"] / total["count"], "count": total["count"]}

    def metadata(self):
        return {"crop": self.crop}


class ScaledError(Metric):
    """Mean absolute error times ``factor``: a metric with a setting, left out of ``all``."""

    name = "scaled_error"
    default = False
    factor = 1.0

    def settings(self):
        return {"factor": self.factor}

    def compute(self, sample: Sample):
        return self.factor * float(np.mean(np.abs(sample.input.astype(float) - sample.reconstruction)))


@hookimpl
def register_codecs(register):
    register(QuantCodec())
    register(Offset())


@hookimpl
def register_corruptions(register):
    register(Noise())


@hookimpl
def register_metrics(register):
    register(MeanError())
    register(ScaledError())
