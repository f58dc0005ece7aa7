"""Compact, exact storage of small models' state dicts: float16 values, and sparse tensors as bit masks.

``pack`` is exact for tensors whose values float16 represents (the trainer
rounds the model to float16 before its final ``update()`` when asked to), and
always exact for the zero pattern. ``unpack`` gives back float32 tensors equal
to what was packed. Mostly-zero tensors (a pruned model's weights) are stored
as ``<key>::mask`` (numpy ``packbits`` of the nonzero pattern), ``<key>::values``
and ``<key>::shape``. Everything stays a plain tensor, so ``torch.load(weights_only=True)``
reads it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

SPARSE_AT = 0.5  # tensors with at least this fraction of zeros are stored as mask + values
_PARTS = ("::mask", "::values", "::shape")


def round_half(tensor: Tensor) -> Tensor:
    """``tensor`` rounded to float16 precision, kept in its own dtype."""
    return tensor.half().to(tensor.dtype) if tensor.is_floating_point() else tensor


def pack(state_dict: dict[str, Tensor], half: set[str] | frozenset[str] = frozenset()) -> dict[str, Tensor]:
    """The state dict with sparse float tensors as masks + values, and the keys in ``half`` as float16."""
    out: dict[str, Tensor] = {}
    for key, value in state_dict.items():
        if not value.is_floating_point():
            out[key] = value
            continue
        stored = value.half() if key in half else value
        nonzero = value != 0
        if value.numel() >= 64 and 1 - float(nonzero.float().mean()) >= SPARSE_AT:
            out[key + "::mask"] = torch.from_numpy(np.packbits(nonzero.flatten().numpy()))
            out[key + "::values"] = stored.flatten()[nonzero.flatten()].clone()
            out[key + "::shape"] = torch.tensor(list(value.shape), dtype=torch.int64)
        else:
            out[key] = stored.clone()
    return out


def unpack(state_dict: dict[str, Tensor]) -> dict[str, Tensor]:
    """The float32 state dict :func:`pack` was given (exactly, for float16-representable values)."""
    out: dict[str, Tensor] = {}
    for key, value in state_dict.items():
        if key.endswith(_PARTS):
            if key.endswith("::values"):
                base = key[: -len("::values")]
                shape = [int(v) for v in state_dict[base + "::shape"]]
                count = int(np.prod(shape))
                mask = torch.from_numpy(np.unpackbits(state_dict[base + "::mask"].numpy(), count=count).astype(bool))
                dense = torch.zeros(count, dtype=torch.float32)
                dense[mask] = value.float()
                out[base] = dense.reshape(shape)
            continue
        out[key] = value.float() if value.dtype == torch.float16 else value
    return out
