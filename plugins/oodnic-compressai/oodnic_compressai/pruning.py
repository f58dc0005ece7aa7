"""Gradual magnitude pruning (Zhu & Gupta 2017) the way the paper's code (klieberman/ood_nic, utils/gmp.py) does it.

Global unstructured pruning of the weights (not biases) of every convolution,
transposed convolution and linear layer (FiLM MLPs included); GDN and the
entropy models are never pruned. At every training step the current sparsity
``s_t`` gives one global threshold, the magnitude of the ``s_t``-quantile
weight, and the forward pass uses ``w * (|w| > threshold)`` (pruned weights get
no gradient; they can return only if their magnitude rises above a later
threshold, as in ood_nic). ``s_t`` follows the cubic schedule
``s_f + (s_i - s_f) * (1 - (t - t0) / (t1 - t0 + 1))**3`` between steps t0 and t1,
then stays at ``s_f``. :func:`finish` writes the masks into the weights.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

PRUNABLE = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


def schedule(step: int, start: int, end: int, final: float, initial: float = 0.0) -> float:
    """Zhu & Gupta's cubic sparsity schedule (ood_nic's ``get_curr_sparsity_gmp`` with steps for epochs)."""
    if step < start:
        return initial
    if step < end:
        decay = (1 - (step - start) / (end - start + 1)) ** 3
        return final + (initial - final) * decay
    return final


def prunable_layers(model: nn.Module) -> list[nn.Module]:
    """The layers whose weights are pruned (every conv, transposed conv and linear layer)."""
    return [m for m in model.modules() if isinstance(m, PRUNABLE)]


class _Threshold(nn.Module):
    """``w`` with every entry of magnitude at or below the shared global threshold set to zero."""

    def __init__(self, state: dict[str, Tensor]) -> None:
        super().__init__()
        self.state = state

    def forward(self, weight: Tensor) -> Tensor:
        return torch.where(weight.abs() > self.state["threshold"].to(weight.device), weight, weight.new_zeros(()))


class MagnitudePruner:
    """Masks the weights of ``model``'s prunable layers by one global magnitude threshold."""

    def __init__(self, model: nn.Module) -> None:
        self.layers = prunable_layers(model)
        self.state = {"threshold": torch.tensor(-1.0)}  # nothing pruned until set()
        self.sparsity = 0.0
        for layer in self.layers:
            parametrize.register_parametrization(layer, "weight", _Threshold(self.state))

    def _dense(self) -> Tensor:
        return torch.cat([layer.parametrizations.weight.original.detach().abs().flatten() for layer in self.layers])

    def set(self, sparsity: float) -> None:
        """Threshold at the magnitude of the ``sparsity``-quantile weight (ood_nic's global_set_prune_thresholds)."""
        self.sparsity = sparsity
        if sparsity <= 0:
            self.state["threshold"] = torch.tensor(-1.0)
            return
        magnitudes = self._dense()
        index = min(int(sparsity * magnitudes.numel()), magnitudes.numel() - 1)
        self.state["threshold"] = torch.kthvalue(magnitudes, index + 1).values

    def finish(self) -> None:
        """Threshold the final weights at the current sparsity, write the masked weights into the layers
        and drop the parametrizations (zeros stay zeros)."""
        self.set(self.sparsity)
        for layer in self.layers:
            parametrize.remove_parametrizations(layer, "weight", leave_parametrized=True)


def sparsity(model: nn.Module) -> float:
    """Fraction of zero weights in ``model``'s prunable layers (what the checkpoint's weights show)."""
    weights = [layer.weight.detach() for layer in prunable_layers(model)]
    total = sum(w.numel() for w in weights)
    return sum(int((w == 0).sum()) for w in weights) / total if total else 0.0


@contextmanager
def pruning(model: nn.Module) -> Iterator[MagnitudePruner]:
    """A pruner over ``model``, whose masks are written into the weights when the block ends."""
    pruner = MagnitudePruner(model)
    try:
        yield pruner
    finally:
        pruner.finish()
