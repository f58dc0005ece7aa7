"""The :class:`Dataset` contract and the folder-of-images dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .images import DEFAULT_MAX_PIXELS, IMAGE_SUFFIXES, read_image, sha256_file


class DatasetError(ValueError):
    """A dataset that cannot be used at all (missing, empty, bad checksum): one line."""


@dataclass(frozen=True)
class ImageRef:
    """One image of a dataset, identified by its relative name and content hash.

    ``loader`` reads the pixels; it raises :class:`~oodnic_platform.images.ImageError`
    for an unusable file, which becomes an error row, not a crashed run.
    """

    name: str
    sha256: str
    loader: Callable[[int], np.ndarray]

    def load(self, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
        return self.loader(max_pixels)


class Dataset:
    """An ordered collection of images.

    ``images()`` returns the images in a deterministic order. A dataset that
    ships pre-corrupted copies (a materialised Kodak-C) overrides
    :meth:`precorrupted` so the runner uses them instead of corrupting on the fly.
    """

    name: str = ""
    #: A dataset whose corrupted copies were made with a fixed seed says so here; runs then use it.
    seed: int | None = None

    def images(self) -> list[ImageRef]:
        raise NotImplementedError

    def precorrupted(self, ref: ImageRef, corruption: str, severity: int) -> np.ndarray | None:
        return None


def file_ref(path: Path, name: str) -> ImageRef:
    return ImageRef(name=name, sha256=sha256_file(path), loader=lambda max_pixels, p=path: read_image(p, max_pixels))


class FolderDataset(Dataset):
    """Every image file below a folder, in sorted order of relative path."""

    def __init__(self, path: str | Path, name: str | None = None):
        self.root = Path(path)
        self.name = name or self.root.name
        if not self.root.exists():
            raise DatasetError(f"no such dataset or folder: {path}")
        if not self.root.is_dir():
            raise DatasetError(f"not a folder of images: {path}")

    def images(self) -> list[ImageRef]:
        files = sorted(
            (p for p in self.root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES),
            key=lambda p: p.relative_to(self.root).as_posix(),
        )
        if not files:
            raise DatasetError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in {self.root}")
        return [file_ref(p, p.relative_to(self.root).as_posix()) for p in files]
