"""Files: the one place that hashes them, writes them atomically and checks output folders before work.

:func:`cached_digest` hashes a file once per (path, size, mtime): every
dataset, codec fingerprint and download check goes through it, and a run hands
its workers the hashes the driver computed (:func:`known_digests` /
:func:`remember_digests`), so no image file is hashed twice in one run.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

from .errors import ConfigError

_CHUNK = 1 << 20
#: (resolved path, size, mtime_ns, algorithm) -> hex digest
_DIGESTS: dict[tuple[str, int, int, str], str] = {}
_LOCK = threading.Lock()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """The hex digest of a file's bytes (read in 1 MiB blocks), uncached."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _cache_key(path: str | os.PathLike, algorithm: str) -> tuple[str, int, int, str]:
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return str(resolved), stat.st_size, stat.st_mtime_ns, algorithm


def cached_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """:func:`file_digest` computed once per (path, size, mtime_ns): rewriting the file recomputes it."""
    key = _cache_key(path, algorithm)
    with _LOCK:
        found = _DIGESTS.get(key)
    if found is None:
        found = file_digest(key[0], algorithm)
        with _LOCK:
            _DIGESTS[key] = found
    return found


def known_digests() -> tuple[tuple[tuple[str, int, int, str], str], ...]:
    """Every digest this process computed, to hand to worker processes."""
    with _LOCK:
        return tuple(sorted(_DIGESTS.items()))


def remember_digests(digests: tuple[tuple[tuple[str, int, int, str], str], ...]) -> None:
    """Adopt digests another process computed (still keyed by size and mtime, so a changed file is re-hashed)."""
    with _LOCK:
        _DIGESTS.update((tuple(key), value) for key, value in digests)  # type: ignore[misc]


def atomic_write(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a hidden temporary file renamed into place (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


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
