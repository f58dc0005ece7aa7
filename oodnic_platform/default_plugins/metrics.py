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

    def __init__(self) -> None:
        self._reference: tuple[np.ndarray, MsSsimReference] | None = None

    def compute(self, sample: Sample) -> float:
        """The input's pyramid is computed once and reused for every codec and quality coding it."""
        if self._reference is None or self._reference[0] is not sample.input:
            self._reference = (sample.input, MsSsimReference(sample.input))
        return self._reference[1].score(sample.reconstruction)


@hookimpl
def register_metrics(register):
    for metric in (Bpp(), Psnr(), PsnrWrtClean(), MsSsim()):
        register(metric)
