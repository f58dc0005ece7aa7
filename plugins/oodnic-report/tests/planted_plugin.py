"""Test-only plugin with RD curves whose Bjontegaard deltas are known exactly.

``planted_*`` codecs store the input's raw bytes with the lowest bit flipped in
``N / 2**q`` of its N values (evenly spaced), behind a 12-byte header, padded
to ``rate_factor * (N + 12) * 2**(q - 1)`` bytes. Every flip is an error of
exactly 1, so PSNR against the input is ``10 log10(255**2 * 2**q / flip_share)``
whatever the image, and bpp is exact. Hence:

- ``planted_twin`` = ``planted_anchor``: BD-rate 0, BD-PSNR 0;
- ``planted_double`` (rate_factor 2): the anchor's PSNR at twice the rate: BD-rate +100 %;
- ``planted_sharp`` (half the flips): the anchor's rates at +10 log10(2) dB: BD-PSNR +3.0103 dB;
- ``planted_fussy`` = the anchor, but refuses inputs darker than a mean of 60, which only
  ``planted_dim`` at severity 5 produces: it misses that severity.

Loaded with ``OODNIC_PLUGIN_MODULES=planted_plugin``.
"""

from __future__ import annotations

import struct

import numpy as np

from oodnic_platform import Codec, Corruption, hookimpl

HEADER = struct.Struct("<III")


class Planted(Codec):
    qualities = (1, 2, 3, 4)
    quality_range = (1, 4)

    def __init__(self, name: str, rate_factor: int = 1, flip_divisor: int = 1, min_mean: float | None = None):
        self.name = name
        self.rate_factor = rate_factor
        self.flip_divisor = flip_divisor
        self.min_mean = min_mean

    def version(self) -> str:
        return "1"

    def encode(self, image: np.ndarray, quality) -> bytes:
        if self.min_mean is not None and image.mean() < self.min_mean:
            raise ValueError(f"{self.name} refuses inputs darker than a mean of {self.min_mean}")
        values = np.ascontiguousarray(image, dtype=np.uint8).ravel().copy()
        flips = values.size // 2 ** int(quality) // self.flip_divisor
        values[np.arange(flips) * (values.size // flips)] ^= 1
        payload = HEADER.pack(image.shape[0], image.shape[1], flips) + values.tobytes()
        total = self.rate_factor * (values.size + HEADER.size) * 2 ** (int(quality) - 1)
        return payload + bytes(total - len(payload))

    def decode(self, data: bytes) -> np.ndarray:
        height, width, _ = HEADER.unpack_from(data)
        size = height * width * 3
        return np.frombuffer(data[HEADER.size : HEADER.size + size], dtype=np.uint8).reshape(height, width, 3).copy()


class Dim(Corruption):
    name, frequency, severities = "planted_dim", "low", (1, 2, 3, 4, 5)

    def version(self) -> str:
        return "1"

    def apply(self, image, severity, rng):
        return np.round(image * (1.0 - 0.15 * severity)).astype(np.uint8)


class Noise(Corruption):
    name, frequency, severities = "planted_noise", "high", (1, 2, 3, 4, 5)

    def version(self) -> str:
        return "1"

    def apply(self, image, severity, rng):
        return np.clip(np.round(image + rng.normal(0.0, 4.0 * severity, image.shape)), 0, 255).astype(np.uint8)


@hookimpl
def register_codecs(register):
    register(Planted("planted_anchor"))
    register(Planted("planted_twin"))
    register(Planted("planted_double", rate_factor=2))
    register(Planted("planted_sharp", flip_divisor=2))
    register(Planted("planted_fussy", min_mean=60.0))


@hookimpl
def register_corruptions(register):
    register(Dim())
    register(Noise())
