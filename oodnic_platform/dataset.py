"""Datasets: the :class:`Dataset` contract, folders of images, the ``geometry`` option and resolving a source.

A run's images come from a registered dataset, a set written by ``oodnic
corrupt`` (:mod:`oodnic_platform.corrupted_set`) or a folder (resolved by
:func:`oodnic_platform.plan.resolve_dataset`). Every source takes the core's
``geometry`` option; other options go to the registered dataset's factory.

``geometry``: ``as-is`` (default) codes images as stored. ``paper`` follows
Lieberman et al. (2023; ``data/kodak_info.py`` and ``data/clic_info.py`` of
their code) in their order: the image is corrupted as stored (their Kodak-C and
CLIC-C files), then transposed (as ``np.array(img).transpose(1, 0, 2)``) where
the dataset's loader transposes it (:attr:`Dataset.paper_transposes`: Kodak's
portraits, PIL size 512 x 768; CLIC's images of PIL size exactly 540 x 960;
every portrait image of other datasets), then centre-cropped to 512 x 768 the
way ``torchvision.transforms.CenterCrop`` does (zero padding where smaller).
Clean and corrupted inputs go through the same reshaping, so codecs and
metrics see 512 x 768 images and bpp counts the pixels coded.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .corruption import Corruption, corrupt
from .errors import DatasetError
from .files import cached_digest
from .images import DEFAULT_MAX_PIXELS, IMAGE_SUFFIXES, centre_crop, check_image_output, read_image

__all__ = ["Dataset", "DatasetError", "FolderDataset", "GeometryDataset", "ImageRef", "file_ref", "paper_geometry",
           "paper_tag"]

GEOMETRIES = ("as-is", "paper")
PAPER_SIZE = (512, 768)
#: The order ``geometry=paper`` applies, named in its images' hashes (hence row keys): rows the platform
#: computed before, reshaping first and corrupting the 512 x 768 image, are never reused for these.
PAPER_ORDER = "corrupt as stored, then transpose and centre-crop"
#: PIL sizes (width, height) of the images a loader transposes.
Sizes = tuple[tuple[int, int], ...]


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
    #: ``geometry=paper`` transposes the images of these PIL sizes (width, height), as the paper's loader of this
    #: dataset did; None: every portrait image.
    paper_transposes: Sizes | None = None

    def images(self) -> list[ImageRef]:
        raise NotImplementedError

    def precorrupted(self, ref: ImageRef, corruption: str, severity: int) -> np.ndarray | None:
        return None

    def inputs(self, ref: ImageRef, corruption: Corruption | None, severities: Sequence[int], seed: int,
               max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[np.ndarray, list[np.ndarray]]:
        """``ref``'s clean image and its corrupted copy at each severity: stored (:meth:`precorrupted`) or made now.

        The runner and ``oodnic corrupt`` both take their images from here.
        """
        clean = check_image_output(f"dataset {self.name} broke the contract: its image loader returned",
                                   ref.load(max_pixels))
        if corruption is None:
            return clean, []
        given = []
        for severity in severities:
            stored = self.precorrupted(ref, corruption.name, severity)
            given.append(corrupt(corruption, clean, severity, seed, ref.sha256) if stored is None else
                         check_image_output(f"dataset {self.name} broke the contract: precorrupted returned", stored,
                                            clean.shape))
        return clean, given


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


def paper_geometry(image: np.ndarray, transposes: Sizes | None = None) -> np.ndarray:
    """The paper's loader: transpose (every portrait, or the PIL sizes in ``transposes``), then a 512 x 768 centre crop."""
    height, width = image.shape[:2]
    if (height > width) if transposes is None else (width, height) in transposes:
        image = image.transpose(1, 0, 2)
    return centre_crop(image, *PAPER_SIZE)


def paper_tag(transposes: Sizes | None) -> str:
    """What ``geometry=paper`` does to a dataset's images, as its image hashes include it."""
    rule = "portrait" if transposes is None else ",".join(f"{w}x{h}" for w, h in transposes)
    return f"geometry=paper|{PAPER_ORDER}|transposes={rule}"


def _reshaped(reshape: Callable[[np.ndarray], np.ndarray], load: Callable[[int], np.ndarray],
              max_pixels: int) -> np.ndarray:
    return reshape(load(max_pixels))


class GeometryDataset(Dataset):
    """Another dataset's images, corrupted as stored and then reshaped; image hashes name the content delivered."""

    def __init__(self, inner: Dataset, geometry: str):
        if geometry not in GEOMETRIES:
            raise DatasetError(f"geometry must be one of {', '.join(GEOMETRIES)}, not {geometry!r}")
        self.inner, self.geometry = inner, geometry
        self.name, self.seed, self.paper_transposes = inner.name, inner.seed, inner.paper_transposes
        self.reshape = functools.partial(paper_geometry, transposes=inner.paper_transposes)
        self._stored: dict[str, ImageRef] = {}

    def images(self) -> list[ImageRef]:
        refs = self.inner.images()
        if self.geometry == "as-is":
            return refs
        self._stored = {ref.name: ref for ref in refs}
        tag = paper_tag(self.paper_transposes)
        return [ImageRef(ref.name, hashlib.sha256(f"{ref.sha256}|{tag}".encode()).hexdigest(),
                         functools.partial(_reshaped, self.reshape, ref.loader))
                for ref in refs]

    def inputs(self, ref: ImageRef, corruption: Corruption | None, severities: Sequence[int], seed: int,
               max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[np.ndarray, list[np.ndarray]]:
        """The stored image corrupted (seeded by the stored file's hash, as ``oodnic corrupt`` of it), then reshaped."""
        if self.geometry == "as-is":
            return self.inner.inputs(ref, corruption, severities, seed, max_pixels)
        if not self._stored:
            self.images()
        clean, given = self.inner.inputs(self._stored[ref.name], corruption, severities, seed, max_pixels)
        return self.reshape(clean), [self.reshape(image) for image in given]
