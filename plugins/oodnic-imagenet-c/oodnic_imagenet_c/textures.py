"""The frost texture photographs, read from the installed ``imagecorruptions`` package.

``imagecorruptions`` (Apache-2.0) ships them as package data; this plugin uses
the files only and never imports that package.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

FILES = ("frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg", "frost6.jpg")
#: ImageNet-C draws among the first five only.
USED = 5


class FrostTexturesMissing(FileNotFoundError):
    """The frost textures are not installed."""


def texture_dir() -> Path:
    spec = importlib.util.find_spec("imagecorruptions")
    if spec is None or not spec.submodule_search_locations:
        raise FrostTexturesMissing(
            "frost needs the frost textures of the 'imagecorruptions' package: pip install imagecorruptions"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "frost"


@lru_cache(maxsize=len(FILES))
def texture(index: int) -> np.ndarray:
    """Frost texture ``index`` as BGR uint8, read with OpenCV like the reference."""
    path = texture_dir() / FILES[index]
    image = cv2.imread(str(path))
    if image is None:
        raise FrostTexturesMissing(f"frost texture {path} is missing or unreadable: reinstall imagecorruptions")
    return image


@lru_cache(maxsize=2 * USED)
def fitted(index: int, shape: tuple[int, int]) -> np.ndarray:
    """Texture ``index`` scaled (bicubic) to cover an image of ``shape`` with a 10 % margin, as RGB."""
    frost = texture(index)
    (fh, fw), (h, w) = frost.shape[:2], shape
    scale = 1.0
    if fh < h and fw >= w:
        scale = h / fh
    elif fh >= h and fw < w:
        scale = w / fw
    elif fh < h and fw < w:
        scale = max(h / fh, w / fw)
    scale *= 1.1
    size = (int(np.ceil(fw * scale)), int(np.ceil(fh * scale)))
    rgb = cv2.resize(frost, dsize=size, interpolation=cv2.INTER_CUBIC)[..., ::-1]
    rgb = np.ascontiguousarray(rgb)
    rgb.flags.writeable = False
    return rgb
