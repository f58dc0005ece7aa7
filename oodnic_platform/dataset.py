"""Datasets: the :class:`Dataset` contract, folders of images, the ``geometry`` option and resolving a source.

A run's images come from a registered dataset, a set written by ``oodnic
corrupt`` (:mod:`oodnic_platform.corrupted_set`) or a folder (resolved by
:func:`oodnic_platform.plan.resolve_dataset`). Every source takes the core's
``geometry`` option; other options go to the registered dataset's factory.

``geometry``: ``as-is`` (default) codes images as stored. ``paper`` follows
Lieberman et al. (2023; ``data/kodak_info.py`` and ``data/clic_info.py`` of
their code): a portrait image is transposed to landscape (as
``np.array(img).transpose(1, 0, 2)``), then centre-cropped to 512 x 768 the way
``torchvision.transforms.CenterCrop`` does (zero padding where smaller). Unlike
the paper, which corrupted the stored images and then transposed and cropped,
the platform applies the geometry first, so corruptions, codecs and metrics all
see the same 512 x 768 image and bpp counts the pixels coded.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import DatasetError
from .files import cached_digest
from .images import DEFAULT_MAX_PIXELS, IMAGE_SUFFIXES, centre_crop, read_image

__all__ = ["Dataset", "DatasetError", "FolderDataset", "GeometryDataset", "ImageRef", "file_ref", "paper_geometry"]

GEOMETRIES = ("as-is", "paper")
PAPER_SIZE = (512, 768)


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
    """An image file, hashed once per run (see :func:`oodnic_platform.files.cached_digest`)."""
    return ImageRef(name=name, sha256=cached_digest(path), loader=functools.partial(_read, path))


def _read(path: Path, max_pixels: int) -> np.ndarray:
    return read_image(path, max_pixels)


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


def paper_geometry(image: np.ndarray) -> np.ndarray:
    """Portrait -> landscape by transposition, then a 512 x 768 centre crop."""
    if image.shape[0] > image.shape[1]:
        image = image.transpose(1, 0, 2)
    return centre_crop(image, *PAPER_SIZE)


def _paper_load(load: Callable[[int], np.ndarray], max_pixels: int) -> np.ndarray:
    return paper_geometry(load(max_pixels))


class GeometryDataset(Dataset):
    """Another dataset's images, reshaped by a geometry; image hashes name the content delivered."""

    def __init__(self, inner: Dataset, geometry: str):
        if geometry not in GEOMETRIES:
            raise DatasetError(f"geometry must be one of {', '.join(GEOMETRIES)}, not {geometry!r}")
        self.inner, self.geometry = inner, geometry
        self.name, self.seed = inner.name, inner.seed

    def images(self) -> list[ImageRef]:
        refs = self.inner.images()
        if self.geometry == "as-is":
            return refs
        return [ImageRef(ref.name, hashlib.sha256(f"{ref.sha256}|geometry={self.geometry}".encode()).hexdigest(),
                         functools.partial(_paper_load, ref.loader))
                for ref in refs]

    def precorrupted(self, ref: ImageRef, corruption: str, severity: int) -> np.ndarray | None:
        return self.inner.precorrupted(ref, corruption, severity)
