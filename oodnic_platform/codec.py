"""The :class:`Codec` contract: what a codec plugin implements."""

from __future__ import annotations

import copy
from typing import Any, Sequence

import numpy as np

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


class Codec:
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

    def settings(self) -> dict[str, Any]:
        """Encoder settings recorded in every result row and part of its key."""
        return {}

    def version(self) -> str:
        """Version of the library or executable that does the coding."""
        return "unknown"

    def unavailable_reason(self) -> str | None:
        """``None`` when usable, else one line saying what is missing and how to get it."""
        return None

    def configure(self, **settings: Any) -> "Codec":
        """A copy of this codec with the given settings changed."""
        known = self.settings()
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ValueError(
                f"codec {self.name!r} has no setting {', '.join(unknown)} "
                f"(settings: {', '.join(sorted(known)) or 'none'})"
            )
        clone = copy.copy(self)
        for key, value in settings.items():
            setattr(clone, key, _like(known[key], value, f"{self.name} setting {key}"))
        clone.validate()
        return clone

    def validate(self) -> None:
        """Raise ``ValueError`` with one line if the settings are inconsistent."""

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


def _like(default: Any, value: Any, what: str) -> Any:
    """``value`` converted to the type of the setting's current value (text from the CLI included)."""
    if default is None or type(value) is type(default):
        return value
    if isinstance(default, bool):
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"{what} must be true or false, not {value!r}")
        return text in ("true", "1", "yes")
    try:
        return type(default)(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a {type(default).__name__}, not {value!r}") from None
