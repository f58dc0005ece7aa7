"""Output paths checked before any work: a folder or file that cannot be written is one :class:`ConfigError`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import ConfigError


def writable_folder(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (tried, so it holds for root and read-only mounts alike)."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def check_output_dir(path: str | os.PathLike, option: str = "--out") -> Path:
    """``path`` as a folder that exists and is writable, or could be created as one; creates nothing.

    Raises a one-line :class:`ConfigError` naming ``option`` otherwise.
    """
    path = Path(path)
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{option} {path}: {probe} is a file, not a folder")
    if not writable_folder(probe):
        raise ConfigError(f"{option} {path}: {probe} is not writable")
    return path
