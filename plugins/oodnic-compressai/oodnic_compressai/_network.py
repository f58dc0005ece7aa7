"""The parts of :mod:`.codec` that subclass torch types (imported only when a model codes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from compressai.models import CompressionModel


class _First(nn.Module):
    """The identity for modules called with extra arguments (a lambda-conditioned synthesis)."""

    def forward(self, x: torch.Tensor, *_: Any) -> torch.Tensor:
        return x


class _Constant(nn.Module):
    def __init__(self, value: torch.Tensor):
        super().__init__()
        self.value = value

    def forward(self, *_: Any) -> torch.Tensor:
        return self.value


def estimated_bits(model: CompressionModel, x: torch.Tensor, kwargs: dict[str, Any],
                    y: torch.Tensor | None) -> list[float]:
    """Bits per image that the forward pass's likelihoods predict (entropy estimate).

    With ``y``, compress()'s analysis output, the forward pass reuses it instead of
    running ``g_a`` again and skips ``g_s`` (the likelihoods do not depend on it).
    """
    swap = y is not None and isinstance(getattr(model, "g_s", None), nn.Module)
    originals = (model.g_a, model.g_s) if swap else None
    if swap:
        model.g_a, model.g_s = _Constant(y), _First()
    try:
        likelihoods = model(x, **kwargs)["likelihoods"].values()
    finally:
        if originals is not None:
            model.g_a, model.g_s = originals
    return [float(v) for v in sum(-torch.log2(lk).flatten(1).sum(1) for lk in likelihoods)]
