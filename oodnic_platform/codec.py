"""The :class:`Codec` contract: what a codec plugin implements."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .configurable import Configurable

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
    """A lossy image codec.

    Images are HxWx3 ``uint8`` numpy arrays. Subclasses set ``name`` and
    ``qualities`` (the default ladder) and implement :meth:`encode` and
    :meth:`decode`. Settings are plain attributes listed by :meth:`settings`;
    :meth:`configure` returns a copy with some of them changed.
    """

    name: str = ""
    qualities: Sequence[Quality] = ()
    description: str = ""
    #: ``"gpu"`` for codecs that benefit from an accelerator (executors may route them).
    resource: str = "cpu"

    def version(self) -> str:
        """Version of the library or executable that does the coding."""
        return "unknown"

    def unavailable_reason(self) -> str | None:
        """``None`` when usable, else one line saying what is missing and how to get it."""
        return None

    def parse_quality(self, text: str) -> Quality:
        """Turn a quality given on the command line into this codec's quality type."""
        value = float(text)
        return int(value) if value.is_integer() and all(isinstance(q, int) for q in self.qualities) else value

    def load(self, device: str) -> None:
        """Prepare for coding on ``device`` (load weights); called once per worker."""

    def encode(self, image: np.ndarray, quality: Quality) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> np.ndarray:
        raise NotImplementedError

    def encode_batch(self, images: Sequence[np.ndarray], quality: Quality) -> list[bytes]:
        """Encode images of equal shape; neural codecs override this to batch on the device."""
        return [self.encode(image, quality) for image in images]

    def decode_batch(self, data: Sequence[bytes]) -> list[np.ndarray]:
        return [self.decode(d) for d in data]

