"""Verified downloads and safe archive extraction for dataset plugins."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from .dataset import DatasetError

CACHE_ENV = "OODNIC_CACHE"


def cache_dir() -> Path:
    """Where downloaded datasets live: ``$OODNIC_CACHE`` or ``~/.cache/oodnic``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "oodnic")


def file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url: str, dest: Path, digest: str, algorithm: str = "sha256", timeout: float = 60) -> Path:
    """Download ``url`` to ``dest`` unless a verified copy is there; verify the checksum.

    The file is written under a temporary name and moved into place only once
    its checksum matches, so an interrupted or tampered download never looks done.
    """
    if dest.exists() and file_digest(dest, algorithm) == digest:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (fixed https/http URLs)
                shutil.copyfileobj(response, out)
        got = file_digest(Path(tmp_name), algorithm)
        if got != digest:
            raise DatasetError(f"{url}: {algorithm} mismatch (got {got}, expected {digest})")
        os.replace(tmp_name, dest)
    except OSError as exc:
        raise DatasetError(f"cannot download {url}: {exc}") from None
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return dest


def safe_extract_zip(archive: Path, dest: Path) -> list[Path]:
    """Extract a zip without path traversal, absolute paths, links or ``__MACOSX`` entries."""
    dest = dest.resolve()
    written: list[Path] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                parts = Path(info.filename).parts
                if info.is_dir() or not parts or parts[0] == "__MACOSX" or Path(parts[-1]).name.startswith("._"):
                    continue
                is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
                target = (dest / info.filename).resolve()
                if is_link or Path(info.filename).is_absolute() or not target.is_relative_to(dest):
                    raise DatasetError(f"{archive.name}: unsafe entry {info.filename!r} refused")
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                written.append(target)
    except zipfile.BadZipFile as exc:
        raise DatasetError(f"{archive.name}: not a valid zip archive ({exc})") from None
    return written
