"""The :class:`Metric` contract and the :class:`Sample` it is computed on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from .codec import Quality
from .corruption import CLEAN, is_clean
from .settings import Configurable

Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Sample:
    """One coded image: what every metric sees.

    ``input`` is what the codec was given (clean or corrupted); all images are
    HxWx3 uint8 of the same shape.
    """

    clean: np.ndarray
    input: np.ndarray
    reconstruction: np.ndarray
    num_bytes: int
    image: str = ""
    corruption: str = CLEAN
    severity: int = 0
    codec: str = ""
    quality: Quality = 0

    @property
    def num_pixels(self) -> int:
        return int(self.input.shape[0] * self.input.shape[1])

    @property
    def is_clean(self) -> bool:
        return is_clean(self.corruption)


class Metric(Configurable):
    """A per-image metric, a dataset-level accumulating metric, or both.

    Settings work as for codecs (``--metric NAME:key=value``). Expensive
    metrics set ``default = False``: they then run only when asked for by name.

    Per image: :meth:`compute` returns a float (column ``name``, with ``-`` and
    ``.`` turned into ``_``) or a dict of floats (one column ``<column>_<key>``
    per key; ``None`` for a key not measured on this sample, e.g. the band shares
    of a zero error), or ``None`` for nothing. See :mod:`oodnic_platform.contract`.

    Over a dataset (``accumulates = True``): :meth:`accumulate` returns one
    image's contribution as named arrays. The platform sums contributions of the
    same (dataset, codec, quality, corruption, severity) group key-wise, also
    across workers and resumed runs, in constant memory, and calls
    :meth:`finalize` on the total to produce the arrays saved in the run
    directory. Contributions must therefore be additive (keep a ``count`` array
    to turn sums into means).
    """

    name: str = ""
    description: str = ""
    accumulates: bool = False
    #: part of ``--metric all`` (the default selection)
    default: bool = True
    #: ``"gpu"`` for metrics that run torch work on an accelerator (``--device auto`` resolves for them)
    resource: str = "cpu"

    def load(self, device: str) -> None:
        """Prepare to run on ``device``; called once per worker."""

    def compute(self, sample: Sample) -> float | Mapping[str, float | None] | None:
        return None

    def accumulate(self, sample: Sample) -> Arrays:
        raise NotImplementedError

    def finalize(self, total: Arrays) -> Arrays:
        return dict(total)

    def metadata(self) -> dict[str, Any]:
        """JSON-serialisable facts stored with the finalized arrays (units, modes, band edges)."""
        return {}


def add_arrays(total: Arrays | None, part: Arrays) -> Arrays:
    """Key-wise sum of two contributions (``total`` may be ``None``)."""
    if total is None:
        return {key: np.array(value, copy=True) for key, value in part.items()}
    if set(total) != set(part):
        raise ValueError(f"contributions disagree on keys: {sorted(total)} vs {sorted(part)}")
    for key, value in part.items():
        if total[key].shape != np.shape(value):
            raise ValueError(f"contribution {key!r} has shape {np.shape(value)}, expected {total[key].shape}")
        total[key] = total[key] + value
    return total
