"""Test helpers and the conformance kit for plugin authors.

The conformance kit: pytest-ready contract tests that a plugin's test module
collects by subclassing (the classes need pytest, imported when first used)::

    from oodnic_platform.testing import CodecContract

    class TestJpeg(CodecContract):
        codec = JpegCodec()

:class:`CodecContract`, :class:`CorruptionContract` and :class:`MetricContract`
hold the checks; each class attribute may also be a list, one test per object.

Helpers: ``synthetic_image``, ``photo``, ``bpp``, ``rd_points``, ``psnr_at_bpp``,
``assert_ladder_increases``, ``assert_round_trip``, ``assert_beats_at_bpp``,
``registered_codec``, ``reset_registry`` (forget the loaded plugins, e.g. after
changing ``OODNIC_PLUGINS`` in a test); ``psnr`` and ``ms_ssim`` are the platform's own quality
measures; ``QuantCodec`` is a toy codec for tests that need a real, tiny one.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..plugins import reset_registry
from ..quality import ms_ssim, psnr
from .rd import (
    QuantCodec,
    assert_beats_at_bpp,
    assert_ladder_increases,
    assert_round_trip,
    bpp,
    photo,
    psnr_at_bpp,
    rd_points,
    registered_codec,
    synthetic_image,
)

_CONTRACTS = ("CodecContract", "CorruptionContract", "MetricContract")

__all__ = [
    *_CONTRACTS,
    "QuantCodec",
    "assert_beats_at_bpp",
    "assert_ladder_increases",
    "assert_round_trip",
    "bpp",
    "ms_ssim",
    "psnr",
    "photo",
    "psnr_at_bpp",
    "rd_points",
    "registered_codec",
    "reset_registry",
    "synthetic_image",
]


def __getattr__(name: str) -> Any:
    """The contract classes, imported on first use (they need pytest; the helpers do not)."""
    if name in _CONTRACTS:
        return getattr(importlib.import_module(".contracts", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
