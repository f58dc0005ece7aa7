"""Test-only plugin for the Dask tests: real (tiny) codecs, a seeded corruption, an accumulating metric.

The tests expose it to the driver and to every Dask worker through an entry
point in a throw-away ``.dist-info`` on ``PYTHONPATH`` (nothing is installed).
``OODNIC_DASK_TEST_SLEEP`` (seconds per encode) slows coding down and
``OODNIC_DASK_TEST_MARKS`` (a folder) gets one file per coding process, named
by its pid, so a test can kill a worker while it is mid-chunk.
``OODNIC_DASK_TEST_KILL`` (:func:`pixels_id` of an image) makes the coding
process SIGKILL itself on that image, as a crash in native code or the OOM
killer would.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
import zlib
from pathlib import Path

import numpy as np
import psutil

from oodnic_platform import Codec, Corruption, Encoded, Metric, Sample, hookimpl


def pixels_id(image: np.ndarray) -> str:
    """Names an image by its pixels (what a codec sees)."""
    return hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest()[:16]


class DQuant(Codec):
    """Keeps the top ``quality`` bits of each sample, zlib-compressed."""

    name = "dquant"
    qualities = (2, 4, 6)

    def version(self):
        return "1.0"

    def encode(self, image, quality):
        marks = os.environ.get("OODNIC_DASK_TEST_MARKS")
        if marks:
            Path(marks, str(os.getpid())).touch()
        time.sleep(float(os.environ.get("OODNIC_DASK_TEST_SLEEP", "0")))
        if os.environ.get("OODNIC_DASK_TEST_KILL") == pixels_id(image):
            # not within 2 s of the process's start: a Dask nanny may not restart a worker that dies so soon
            time.sleep(max(0.0, 2.0 - (time.time() - psutil.Process().create_time())))
            os.kill(os.getpid(), signal.SIGKILL)
        h, w, _ = image.shape
        shift = 8 - int(quality)
        return np.array([h, w], dtype="<u4").tobytes() + bytes([shift]) + zlib.compress((image >> shift).tobytes(), 6)

    def decode(self, data):
        h, w = np.frombuffer(data[:8], dtype="<u4")
        shift = data[8]
        arr = np.frombuffer(zlib.decompress(data[9:]), dtype=np.uint8).reshape(int(h), int(w), 3)
        return ((arr.astype(np.uint16) << shift) + ((1 << shift) >> 1)).clip(0, 255).astype(np.uint8)


class GQuant(DQuant):
    """The same coder declared as a neural one, which records the pid that coded each row (``coder_pid``)."""

    name = "gquant"
    resource = "gpu"

    def encode(self, image, quality):
        return Encoded(super().encode(image, quality), {"coder_pid": os.getpid()})


class DNoise(Corruption):
    name = "dnoise"
    frequency = "high"

    def version(self):
        return "1.0"

    def apply(self, image, severity, rng):
        return np.clip(image + rng.normal(0, 4.0 * severity, image.shape), 0, 255).astype(np.uint8)


class DMeanError(Metric):
    """Accumulates the absolute error of a centre 16x16 crop over a group."""

    name = "dmean"
    accumulates = True

    def compute(self, sample: Sample):
        return None

    def accumulate(self, sample):
        h, w, _ = sample.input.shape
        top, left = (h - 16) // 2, (w - 16) // 2
        crop = lambda a: a[top : top + 16, left : left + 16].astype(np.float64)
        return {"sum": np.abs(crop(sample.input) - crop(sample.reconstruction)), "count": np.array(1.0)}

    def finalize(self, total):
        return {"mean": total["sum"] / total["count"]}


@hookimpl
def register_codecs(register):
    register(DQuant())
    register(GQuant())


@hookimpl
def register_corruptions(register):
    register(DNoise())


@hookimpl
def register_metrics(register):
    register(DMeanError())
