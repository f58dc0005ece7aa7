"""The :class:`Codec` contract: what a codec plugin implements."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .settings import Configurable

Quality = int | float


class Encoded(bytes):
    """A bitstream (it *is* the bytes) that may carry per-image side information.

    ``info`` holds extra scalar columns for the result row, for example a neural
    codec's entropy-estimated bpp next to the bpp of the bytes actually written.
    """

    info: dict[str, float]

    def __new__(cls, data: bytes, info: dict[str, float] | None = None) -> "Encoded":
        obj = super().__new__(cls, data)
        obj.info = dict(info or {})
        return obj


class Codec(Configurable):
    """A lossy (or lossless) image codec.

    Images are HxWx3 ``uint8`` numpy arrays. Subclasses set ``name`` and
    ``qualities`` (the default ladder, from low to high rate) and implement
    :meth:`encode` and :meth:`decode`. Settings work as described in
    :mod:`oodnic_platform.settings`.
    """

    name: str = ""
    qualities: Sequence[Quality] = ()
    #: Inclusive (low, high) of a valid quality; checked before any image is read.
    quality_range: tuple[Quality, Quality] | None = None
    description: str = ""
    #: ``"gpu"`` for codecs that benefit from an accelerator (executors may route them; ``auto`` resolves for them).
    resource: str = "cpu"
    #: True when :meth:`encode` / :meth:`encode_batch` also take HxWx3 float32 images in [0, 255], unrounded.
    accepts_float: bool = False
    #: False keeps a codec out of the default selection of every available codec: a slow one (minutes per
    #: image), or one that would first download weights (a property may decide per machine).
    default: bool = True
    #: How a rate search (``--target-bpp``) may move the quality: ``"continuous"``, ``"integer"``, or ``"ladder"``
    #: (only the declared qualities, e.g. one model per rate). ``None``: ``"ladder"`` without a ``quality_range``,
    #: else ``"integer"`` or ``"continuous"`` by the ladder's type.
    quality_scale: str | None = None
    #: Whether the rate rises with the quality (JPEG's quality) or falls (a QP). ``None``: as the ladder runs.
    rate_rises: bool | None = None
    #: Inclusive (low, high) a rate search stays in; ``None``: ``quality_range``.
    rate_range: tuple[Quality, Quality] | None = None
    #: ``"log"`` or ``"linear"``: the quality axis a rate search interpolates on (log of the quality, or of
    #: 1 + quality - low where the range starts at 0 or below). ``None``: log where the range is positive.
    rate_axis: str | None = None
    #: Typical bpp at the two ends of the default ladder on photographs: a rate search's first guess and step.
    ladder_bpp: tuple[float, float] = (0.25, 4.0)
    #: Most qualities a rate search codes per image and input (keep it small for slow codecs).
    rate_probes: int = 8

    def unavailable_reason(self) -> str | None:
        """``None`` when usable, else one line saying what is missing and how to get it."""
        return None

    def fingerprint(self, qualities: Sequence[Quality] | None = None) -> dict[str, str]:
        """What else fixes the output besides name, version and settings: weights' or binaries' hashes.

        Part of every row's key, so retraining a checkpoint in place or rebuilding a
        binary recomputes its rows. ``qualities`` are those the run codes (``None``:
        the whole ladder): a codec with weights per quality hashes only theirs. Key
        it by content, never by path (paths go in :meth:`provenance`). Cache it.
        """
        return {}

    def provenance(self) -> dict[str, str]:
        """Where the things :meth:`fingerprint` hashes came from (executable or checkpoint paths).

        Recorded in every row (``codec_provenance``) but not part of its key: the
        same binary or weights elsewhere give the same results.
        """
        return {}

    def quality_is_integer(self) -> bool:
        return all(isinstance(q, int) and not isinstance(q, bool) for q in self.qualities)

    def parse_quality(self, text: str) -> Quality:
        """A quality given as text on the command line, in this codec's quality type; checked."""
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"{self.name} quality must be a number, not {text!r}") from None
        exact = value.is_integer() and abs(value) <= 2**53  # larger floats stay floats: shown as 1e+308
        quality: Quality = int(value) if exact and self.quality_is_integer() else value
        self.check_quality(quality)
        return quality

    def check_quality(self, quality: Any) -> None:
        """Raise ``ValueError`` (one line) unless ``quality`` is valid for this codec; override for more rules."""
        if isinstance(quality, bool) or not isinstance(quality, (int, float)) or not math.isfinite(quality):
            raise ValueError(f"{self.name} quality must be a finite number, not {quality!r}")
        if self.quality_scale != "continuous" and self.quality_is_integer() and not float(quality).is_integer():
            raise ValueError(f"{self.name} quality must be an integer, not {quality!r}")
        if self.quality_range is not None:
            low, high = self.quality_range
            if not low <= quality <= high:
                raise ValueError(f"{self.name} quality must be in {low}..{high}, not {quality!r}")

    def check_image(self, image: np.ndarray) -> None:
        """Raise ``ValueError`` (one line) unless ``image`` is a non-empty HxWx3 ``uint8`` array
        (or ``float32``, for codecs that accept floats). Call it first in :meth:`encode`."""
        dtypes = (np.uint8, np.float32) if self.accepts_float else (np.uint8,)
        if not isinstance(image, np.ndarray) or image.dtype not in dtypes or image.ndim != 3 \
                or image.shape[2] != 3 or not image.size:
            what = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
            raise ValueError(f"{self.name} codes HxWx3 {' or '.join(np.dtype(d).name for d in dtypes)} images, "
                             f"not {what}")

    def load(self, device: str) -> None:
        """Prepare for coding on ``device`` (load weights); called once per worker before coding."""

    def encode(self, image: np.ndarray, quality: Quality) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> np.ndarray:
        raise NotImplementedError

    def encode_batch(self, images: Sequence[np.ndarray], quality: Quality) -> list[bytes | Exception]:
        """Encode images of equal shape; one item per image: its bytes, or the ``Exception`` it raised.

        Neural codecs override this to batch on the device. An item that is an
        exception becomes that image's error row; the rest of the batch stands.
        """
        return _each(self.encode, images, quality)

    def decode_batch(self, data: Sequence[bytes]) -> list[np.ndarray | Exception]:
        """Decode bitstreams; one item per bitstream: the image, or the ``Exception`` it raised."""
        return _each(self.decode, data)


def _each(function, items: Sequence[Any], *args: Any) -> list[Any]:
    out: list[Any] = []
    for item in items:
        try:
            out.append(function(item, *args))
        except Exception as exc:  # one image's failure is its own error row
            out.append(exc)
    return out
