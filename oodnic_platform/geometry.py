"""The ``geometry`` dataset option: what shape images have before anything else happens to them.

``as-is`` (default) codes images as stored. ``paper`` follows Lieberman et al.
(2023; ``data/kodak_info.py`` and ``data/clic_info.py`` of their code): a
portrait image is transposed to landscape (rows and columns swapped, as
``np.array(img).transpose(1, 0, 2)``), then centre-cropped to 512 x 768 the way
``torchvision.transforms.CenterCrop`` does (zero padding where smaller). Unlike
the paper, which corrupted the stored images and then transposed and cropped,
the platform applies the geometry first, so corruptions, codecs and metrics all
see the same 512 x 768 image and bpp counts the pixels coded.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .dataset import Dataset, DatasetError, ImageRef

GEOMETRIES = ("as-is", "paper")
PAPER_SIZE = (512, 768)


def centre_crop(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``torchvision.transforms.CenterCrop((height, width))`` on an HxWxC array, zero-padding a smaller image."""
    h, w = image.shape[:2]
    if height > h or width > w:
        pad_h, pad_w = max(0, height - h), max(0, width - w)
        image = np.pad(image, ((pad_h // 2, (pad_h + 1) // 2), (pad_w // 2, (pad_w + 1) // 2), (0, 0)))
        h, w = image.shape[:2]
    top, left = int(round((h - height) / 2.0)), int(round((w - width) / 2.0))
    return np.ascontiguousarray(image[top : top + height, left : left + width])


def paper_geometry(image: np.ndarray) -> np.ndarray:
    """Portrait -> landscape by transposition, then a 512 x 768 centre crop."""
    if image.shape[0] > image.shape[1]:
        image = image.transpose(1, 0, 2)
    return centre_crop(image, *PAPER_SIZE)


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
        return [
            ImageRef(ref.name, hashlib.sha256(f"{ref.sha256}|geometry={self.geometry}".encode()).hexdigest(),
                     lambda max_pixels, load=ref.loader: paper_geometry(load(max_pixels)))
            for ref in refs
        ]

    def precorrupted(self, ref: ImageRef, corruption: str, severity: int) -> np.ndarray | None:
        return self.inner.precorrupted(ref, corruption, severity)
