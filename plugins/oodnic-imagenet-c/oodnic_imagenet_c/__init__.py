"""The 15 ImageNet-C corruptions (Hendrycks & Dietterich, 2019) for oodnic-platform.

Kodak-C / CLIC-C (Lieberman et al., 2023) apply them at severities 1-5. Each
corruption reproduces ``imagecorruptions`` 1.1.2 (the size-agnostic reference)
at any image size, draws every random number from the platform's Generator,
and is vectorised.
"""

from __future__ import annotations

from oodnic_platform import hookimpl

from .base import ImageNetCCorruption
from .blur import DefocusBlur, GlassBlur, MotionBlur, ZoomBlur
from .digital import Brightness, Contrast, ElasticTransform, JpegCompression, Pixelate
from .noise import GaussianNoise, ImpulseNoise, ShotNoise
from .weather import Fog, Frost, Snow

#: In ImageNet-C's order.
CORRUPTIONS: tuple[type[ImageNetCCorruption], ...] = (
    GaussianNoise,
    ShotNoise,
    ImpulseNoise,
    DefocusBlur,
    GlassBlur,
    MotionBlur,
    ZoomBlur,
    Snow,
    Frost,
    Fog,
    Brightness,
    Contrast,
    ElasticTransform,
    Pixelate,
    JpegCompression,
)

__all__ = ["CORRUPTIONS", "ImageNetCCorruption", *(c.__name__ for c in CORRUPTIONS)]


@hookimpl
def register_corruptions(register) -> None:
    for corruption in CORRUPTIONS:
        register(corruption())
