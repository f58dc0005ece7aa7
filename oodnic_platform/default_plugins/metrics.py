"""Built-in metrics: bpp, psnr, psnr_wrt_clean and ms_ssim."""

from __future__ import annotations

import numpy as np

from ..hookspecs import hookimpl
from ..metric import Metric, Sample
from ..quality import MsSsimReference, psnr


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
    description = "MS-SSIM (RGB mean) of the reconstruction against the codec's input; NaN below 161 px"

    #: inputs whose pyramids are kept (the worker's image batch)
    cache_size = 8

    def __init__(self) -> None:
        self._references: dict[int, tuple[np.ndarray, MsSsimReference]] = {}

    def compute(self, sample: Sample) -> float:
        """Each input's pyramid is computed once and reused for every codec and quality coding it."""
        found = self._references.get(id(sample.input))
        if found is None or found[0] is not sample.input:
            if len(self._references) >= self.cache_size:
                self._references.pop(next(iter(self._references)))
            found = self._references[id(sample.input)] = (sample.input, MsSsimReference(sample.input))
        return found[1].score(sample.reconstruction)


@hookimpl
def register_metrics(register):
    for metric in (Bpp(), Psnr(), PsnrWrtClean(), MsSsim()):
        register(metric)
