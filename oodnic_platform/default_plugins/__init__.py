"""The built-in plugin: the ``none`` codec (no compression), the metrics bpp, psnr, psnr_wrt_clean and ms_ssim,
and the ``local`` executor; registered through the same hooks as third-party plugins (datasets: :mod:`.datasets`).
"""

from __future__ import annotations

import numpy as np

from .. import __version__
from ..codec import Codec
from ..executor import LocalExecutor
from ..hookspecs import hookimpl
from ..metric import Metric, Sample
from ..quality import MsSsimReference, psnr

HEADER = 8  # height and width, little-endian uint32
#: MS-SSIM's five scales need images of at least this many pixels on each side
MIN_SIDE = 161


class NoCompression(Codec):
    """Identity: raw 8-bit RGB pixels behind an 8-byte size header (24 bpp plus 64 bits per image).

    Its rows give every input's no-compression baseline: PSNR w.r.t. the clean
    image of the corrupted input itself (PSNR w.r.t. the input is infinite).
    """

    name = "none"
    description = "no compression: the input itself (24 bpp), the baseline of every input"
    qualities = (0,)
    quality_range = (0, 0)
    fixed_settings = {"format": "8-byte header (height, width as little-endian uint32) + raw RGB bytes"}

    def version(self) -> str:
        return f"oodnic-platform {__version__}"

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        self.check_image(image)
        h, w, _ = image.shape
        return np.array([h, w], dtype="<u4").tobytes() + np.ascontiguousarray(image, dtype=np.uint8).tobytes()

    def decode(self, data: bytes) -> np.ndarray:
        h, w = (int(v) for v in np.frombuffer(data[:HEADER], dtype="<u4"))
        if len(data) != HEADER + h * w * 3:
            raise ValueError(f"none: {len(data)} bytes do not hold a {h}x{w} image")
        return np.frombuffer(data[HEADER:], dtype=np.uint8).reshape(h, w, 3).copy()


class Bpp(Metric):
    name = "bpp"
    description = "bits per pixel: 8 x bitstream bytes / pixels of the input"

    def compute(self, sample: Sample) -> float:
        return 8.0 * sample.num_bytes / sample.num_pixels


class Psnr(Metric):
    name = "psnr"
    description = "PSNR (dB, RGB) of the reconstruction against the codec's input"

    def compute(self, sample: Sample) -> float:
        return psnr(sample.input, sample.reconstruction)


class PsnrWrtClean(Metric):
    name = "psnr_wrt_clean"
    description = "PSNR (dB, RGB) of the reconstruction against the clean image (robustness)"

    def compute(self, sample: Sample) -> float:
        return psnr(sample.clean, sample.reconstruction)


class MsSsim(Metric):
    name = "ms_ssim"
    description = "MS-SSIM (RGB mean) of the reconstruction against the codec's input; not measured below 161 px"

    #: inputs whose pyramids are kept (the worker's image batch)
    cache_size = 8

    def __init__(self) -> None:
        self._references: dict[int, tuple[np.ndarray, MsSsimReference]] = {}

    def compute(self, sample: Sample) -> float | None:
        """Each input's pyramid is computed once and reused for every codec and quality coding it."""
        if min(sample.input.shape[:2]) < MIN_SIDE:
            return None
        found = self._references.get(id(sample.input))
        if found is None or found[0] is not sample.input:
            if len(self._references) >= self.cache_size:
                self._references.pop(next(iter(self._references)))
            found = self._references[id(sample.input)] = (sample.input, MsSsimReference(sample.input))
        return found[1].score(sample.reconstruction)


@hookimpl
def register_codecs(register) -> None:
    register(NoCompression())


@hookimpl
def register_metrics(register) -> None:
    for metric in (Bpp(), Psnr(), PsnrWrtClean(), MsSsim()):
        register(metric)


@hookimpl
def register_executors(register) -> None:
    register("local", LocalExecutor)
