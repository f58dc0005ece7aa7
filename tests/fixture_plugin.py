"""A test-only plugin: a tiny quantising codec, a seeded noise corruption and an accumulating metric.

Real codecs live in plugins/; this one only exercises the runner.
"""

from __future__ import annotations

import os
import zlib

import numpy as np

from oodnic_platform import Codec, Corruption, Metric, Sample, hookimpl


class QuantCodec(Codec):
    """Keeps the top ``quality`` bits of each sample, zlib-compressed: real bytes, deterministic.

    ``fail_on`` (a mean pixel value, as text) makes it raise for matching images.
    """

    name = "quant"
    qualities = (2, 4, 6)
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


class Noise(Corruption):
    name = "test_noise"
    frequency = "high"

    def version(self):
        return "1.0"

    def apply(self, image, severity, rng):
        noise = rng.normal(0, 4.0 * severity, image.shape)
        return np.clip(image + noise, 0, 255).astype(np.uint8)


class MeanError(Metric):
    """Accumulates the mean absolute error image over a group (centre 16x16 crop)."""

    name = "mean_abs_error"
    accumulates = True

    def compute(self, sample: Sample):
        return {"max": float(np.abs(sample.input.astype(int) - sample.reconstruction).max())}

    def accumulate(self, sample):
        error = np.abs(sample.input.astype(np.float64) - sample.reconstruction)
        h, w, _ = error.shape
        if min(h, w) < 16:
            raise ValueError(f"mean_abs_error needs 16x16 pixels, got {w}x{h}")
        top, left = (h - 16) // 2, (w - 16) // 2
        return {"sum": error[top : top + 16, left : left + 16], "count": np.array(1.0)}

    def finalize(self, total):
        return {"mean": total["sum"] / total["count"]}


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


@hookimpl
def register_corruptions(register):
    register(Noise())


@hookimpl
def register_metrics(register):
    register(MeanError())
    register(ScaledError())
