"""CompressAI's zoo files in ``torch.hub``'s folder: where they are, and fetching them (without importing torch).

Files go where ``torch.hub`` (and so ``compressai.zoo``) keeps them,
``$TORCH_HOME/hub/checkpoints/<file name of the zoo URL>``, and are downloaded
on first use through :func:`oodnic_platform.download.download`: verified
against the sha256 prefix in the file name as ``torch.hub`` does, written
atomically, with a progress bar. ``OODNIC_OFFLINE=1`` forbids the download;
``OODNIC_COMPRESSAI_URL`` replaces CompressAI's base URL (a mirror, or a test server).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from oodnic_platform.download import download, hash_prefix

from .zoo_table import FIXED_RATE, ROOT_URL, VARIABLE_RATE

URL_ENV = "OODNIC_COMPRESSAI_URL"


def hub_dir() -> Path:
    """``torch.hub.get_dir()``, computed without importing torch.

    ``$TORCH_HOME/hub``; ``TORCH_HOME`` defaults to ``$XDG_CACHE_HOME/torch``,
    ``XDG_CACHE_HOME`` to ``~/.cache``. A folder set with ``torch.hub.set_dir()``
    wins when torch is already imported.
    """
    hub = sys.modules.get("torch.hub")
    if hub is not None and getattr(hub, "_hub_dir", None):
        return Path(hub._hub_dir)
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return Path(os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch")))) / "hub"


def checkpoint_dir() -> Path:
    return hub_dir() / "checkpoints"


def base_url() -> str:
    """CompressAI's base URL, or ``$OODNIC_COMPRESSAI_URL``."""
    return (os.environ.get(URL_ENV) or ROOT_URL).rstrip("/")


def zoo_file(architecture: str, metric: str, quality: int | None) -> str:
    """The zoo's file name for a pretrained model (``quality`` is None for -vbr); ValueError (one line) if none."""
    if architecture in VARIABLE_RATE:
        files = VARIABLE_RATE[architecture]
        if metric not in files:
            raise ValueError(f"{architecture} has pretrained weights only for metric {', '.join(files)}")
        return files[metric]
    if architecture not in FIXED_RATE:
        known = ", ".join(sorted((*FIXED_RATE, *VARIABLE_RATE)))
        raise ValueError(f"unknown zoo architecture {architecture!r} (known: {known})")
    table = FIXED_RATE[architecture]
    if metric not in table:
        raise ValueError(f"metric must be one of {', '.join(table)}, not {metric!r}")
    ladder = range(1, len(table[metric]) + 1)
    if quality not in ladder:
        raise ValueError(f"{architecture} qualities are {', '.join(map(str, ladder))}, not {quality!r}")
    return table[metric][quality - 1]


def zoo_url(architecture: str, metric: str, quality: int | None) -> str:
    return f"{base_url()}/{zoo_file(architecture, metric, quality)}"


def zoo_path(architecture: str, metric: str, quality: int | None) -> Path:
    """Where ``torch.hub`` keeps (and CompressAI's zoo looks for) that model's weights."""
    return checkpoint_dir() / zoo_file(architecture, metric, quality)


def fetch(architecture: str, metric: str, quality: int | None, progress: bool = True) -> Path:
    """The verified weight file, downloaded first if missing (DownloadError, one line, when that fails or offline)."""
    name = zoo_file(architecture, metric, quality)
    prefix = hash_prefix(name)
    if prefix is None:  # every file of the table has one; a test checks it
        raise ValueError(f"{name} has no sha256 prefix to verify it against")
    return download(f"{base_url()}/{name}", checkpoint_dir() / name, prefix, prefix=True, progress=progress)
