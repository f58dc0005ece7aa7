"""Reading a corrupted set written by ``oodnic corrupt`` (a published Kodak-C): PNGs plus a manifest.

Layout: ``DIR/clean/<image>.png``, ``DIR/<corruption>/<severity>/<image>.png`` and
``DIR/manifest.json``. The manifest lists the SHA-256 of every *file* (checked on
every read), and each clean image's original hash, so seeds and row keys, hence
results, equal those of corrupting on the fly.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import numpy as np

from .dataset import Dataset, DatasetError, ImageRef
from .images import DEFAULT_MAX_PIXELS, decode_image, sha256_bytes

MANIFEST_NAME = "manifest.json"
FORMAT = "oodnic-corrupted-set/2"


def png_name(name: str) -> str:
    """Where an image of relative name ``name`` is stored (always .png, never outside the set)."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise DatasetError(f"unsafe image name {name!r}")
    return str(path.with_suffix(".png"))


class MaterialisedDataset(Dataset):
    """A set written by ``oodnic corrupt``: clean images plus stored corrupted copies, hash-checked on read."""

    def __init__(self, path: str | Path):
        self.root = Path(path)
        try:
            self.manifest = json.loads((self.root / MANIFEST_NAME).read_text())
        except (OSError, ValueError) as exc:
            raise DatasetError(f"{self.root}: unreadable {MANIFEST_NAME}: {exc}") from None
        if self.manifest.get("format") != FORMAT:
            raise DatasetError(f"{self.root}: {MANIFEST_NAME} is not an {FORMAT} manifest "
                               f"(written by another oodnic-platform version: run oodnic corrupt again)")
        self.name = self.manifest["dataset"]
        self.seed = self.manifest["seed"]
        self.geometry = self.manifest.get("geometry", "as-is")
        self._files = {entry["name"]: entry["file"] for entry in self.manifest["images"]}

    def _read(self, rel: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
        expected = self.manifest["files"].get(rel)
        path = self.root / rel
        data = path.read_bytes()
        if expected is None or sha256_bytes(data) != expected:
            raise DatasetError(f"{path}: SHA-256 differs from the manifest")
        return decode_image(data, max_pixels)

    def images(self) -> list[ImageRef]:
        return [
            ImageRef(name=e["name"], sha256=e["sha256"],
                     loader=lambda max_pixels, rel=f"clean/{e['file']}": self._read(rel, max_pixels))
            for e in self.manifest["images"]
        ]

    def precorrupted(self, ref: ImageRef, corruption: str, severity: int) -> np.ndarray | None:
        rel = f"{corruption}/{severity}/{self._files[ref.name]}"
        if rel not in self.manifest["files"]:
            return None
        return self._read(rel)
