"""Verified downloads and safe archive extraction for plugins (datasets, pretrained weights).

``download()`` writes under a temporary name in the destination folder and
renames only a verified file into place, so an interrupted, truncated or
tampered download never looks complete and leaves nothing behind. The
checksum is a full digest, or (``prefix=True``) the leading hex digits that
``torch.hub`` file names carry (``name-<sha256 prefix>.ext``, see
:func:`hash_prefix`). ``OODNIC_OFFLINE=1`` forbids the network: a missing file
is then a one-line error saying what to place where.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import IO

from .errors import DatasetError
from .files import cached_digest, file_digest

CACHE_ENV = "OODNIC_CACHE"
OFFLINE_ENV = "OODNIC_OFFLINE"
#: torch.hub's rule (``torch.hub.HASH_REGEX``): the hex digits between a '-' and the next '.'
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_CHUNK = 1 << 20
__all__ = ["CACHE_ENV", "OFFLINE_ENV", "DownloadError", "cache_dir", "cached_digest", "download", "file_digest",
           "hash_prefix", "offline", "safe_extract_zip"]


class DownloadError(DatasetError):
    """A file that cannot be downloaded or verified (or may not be, offline); the message is one line."""


def cache_dir() -> Path:
    """Where downloaded datasets live: ``$OODNIC_CACHE`` or ``~/.cache/oodnic``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "oodnic")


def offline() -> bool:
    """True when ``$OODNIC_OFFLINE`` forbids network access (``1``, ``true`` or ``yes``)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes")


def hash_prefix(file_name: str) -> str | None:
    """The sha256 prefix in a ``torch.hub``-style file name (``bmshj2018-hyperprior-1-7eb97409.pth.tar`` ->
    ``7eb97409``), found exactly as ``torch.hub.download_url_to_file(check_hash=True)`` finds it."""
    match = HASH_REGEX.search(file_name)
    return match.group(1) if match else None


def _matches(got: str, digest: str, prefix: bool) -> bool:
    return got.startswith(digest) if prefix else got == digest


def download(url: str, dest: Path, digest: str, algorithm: str = "sha256", timeout: float = 60, *,
             prefix: bool = False, progress: bool = False) -> Path:
    """Download ``url`` to ``dest`` unless a verified copy is there; verify the checksum.

    ``digest`` is the full hex digest, or with ``prefix=True`` its leading digits
    (at least 8). ``progress`` shows a tqdm bar on stderr. Raises :class:`DownloadError`
    (one line) on a network error, a short read, a checksum mismatch, or when
    offline (``$OODNIC_OFFLINE``) and the file is missing.
    """
    if prefix and len(digest) < 8:
        raise DownloadError(f"{dest.name}: a hash prefix of at least 8 hex digits is needed, not {digest!r}")
    if dest.is_file() and _matches(cached_digest(dest, algorithm), digest, prefix):
        return dest
    if offline():
        state = "fails its checksum" if dest.exists() else "is missing"
        raise DownloadError(f"{dest.name} {state} and {OFFLINE_ENV}=1 forbids downloading: "
                            f"place it (from {url}) in {dest.parent}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            got = _fetch(url, out, algorithm, timeout, dest.name if progress else None)
        if not _matches(got, digest, prefix):
            what = "prefix " if prefix else ""
            raise DownloadError(f"{url}: {algorithm} mismatch (got {got}, expected {what}{digest}); nothing was kept")
        os.replace(tmp_name, dest)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if isinstance(exc, DownloadError):
            raise
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DownloadError(f"cannot download {url}: {reason}") from None
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return dest


def _fetch(url: str, out: IO[bytes], algorithm: str, timeout: float, label: str | None) -> str:
    """Copy ``url``'s body to ``out``, returning its digest; a body shorter than its Content-Length is an error."""
    digest = hashlib.new(algorithm)
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (URLs fixed by plugins)
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        with _progress_bar(total, label) as bar:
            received = 0
            for block in iter(lambda: response.read(_CHUNK), b""):
                out.write(block)
                digest.update(block)
                received += len(block)
                bar.update(len(block))
    if total is not None and received != total:
        raise DownloadError(f"cannot download {url}: truncated (got {received} of {total} bytes); nothing was kept")
    return digest.hexdigest()


class _NoBar:
    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def update(self, _: int) -> None:
        return None


def _progress_bar(total: int | None, label: str | None):
    """A tqdm bar on stderr (``label`` None: none; tqdm absent: none)."""
    if label is None:
        return _NoBar()
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoBar()
    return tqdm(total=total, desc=label, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr, leave=False)


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
