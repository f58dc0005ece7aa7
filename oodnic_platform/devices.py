"""Devices: ``--device auto|cpu|cuda|cuda:N``, resolved lazily, only for work that uses torch.

A run whose codecs and metrics all have ``resource = "cpu"`` never imports
torch: they are handed ``"cpu"``. Codecs and metrics with ``resource = "gpu"``
get the device resolved on the machine they run on (``auto`` -> ``cuda`` where
torch sees a GPU, else ``cpu``).
"""

from __future__ import annotations

import functools
import importlib.util

from .config import DEVICE_RE
from .errors import ConfigError


def device_for(resource: str, device: str) -> str:
    """The device a codec or metric of ``resource`` gets when the run asks for ``device``."""
    if resource != "gpu" or device == "cpu":
        return "cpu"
    return resolve_device(device)


@functools.cache
def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; an explicit CUDA device is checked."""
    if not DEVICE_RE.match(device):
        raise ConfigError(f"--device must be auto, cpu, cuda or cuda:N, not {device!r}")
    if device == "cpu":
        return "cpu"
    if importlib.util.find_spec("torch") is None:
        if device.startswith("cuda"):
            raise ConfigError(f"--device {device}: torch is not installed")
        return "cpu"
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise ConfigError(f"--device {device}: no CUDA device is visible to torch")
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise ConfigError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s)")
    return device
