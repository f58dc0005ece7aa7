"""The paper's variable-rate scale hyperprior: one model, the rate-distortion lambda is an input.

As in Lieberman et al.'s code (klieberman/ood_nic, ``ScaleHyperpriorLCT``),
every convolution of the four transforms (g_a, h_a, h_s, g_s) is followed by
a FiLM layer: a per-channel scale and shift, each computed from lambda by a
two-layer MLP (hidden width 128 there). The entropy bottleneck of z is shared
by all rates. The layers are CompressAI's ``ScaleHyperprior`` ones under the
same state-dict keys, so a fixed-rate checkpoint warm-starts this model; the
FiLM layers start as the identity. ``lambda_input="log"`` feeds ln(lambda)
instead, mapped linearly from the training range ``lambda_range`` onto [-1, 1]
(better conditioned for short trainings: with Adam, inputs of magnitude ~5
made the FiLM outputs jump by ~0.2 per step).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from . import _lazy

_lazy.compressai()  # with its import-time warnings filtered; this module itself is imported only lazily

from compressai.models import ScaleHyperprior  # noqa: E402

LAMBDA_INPUTS = ("raw", "log")


class FiLM(nn.Module):
    """``x * scale(lambda) + shift(lambda)`` per channel; the identity at initialisation."""

    def __init__(self, channels: int, hidden: int = 128) -> None:
        super().__init__()
        self.scale = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, channels))
        self.shift = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, channels))
        for mlp, bias in ((self.scale, 1.0), (self.shift, 0.0)):
            nn.init.zeros_(mlp[2].weight)
            nn.init.constant_(mlp[2].bias, bias)

    def forward(self, x: Tensor, condition: Tensor) -> Tensor:
        return x * self.scale(condition)[:, :, None, None] + self.shift(condition)[:, :, None, None]


class Conditioned(nn.Module):
    """A Sequential's layers (same names, so the same state-dict keys) with a FiLM after each convolution."""

    def __init__(self, layers: nn.Sequential, hidden: int) -> None:
        super().__init__()
        for name, layer in layers.named_children():
            self.add_module(name, layer)
        self._order = [name for name, _ in layers.named_children()]
        convs = [layer for layer in layers if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d))]
        self.film = nn.ModuleList(FiLM(conv.out_channels, hidden) for conv in convs)

    def forward(self, x: Tensor, condition: Tensor) -> Tensor:
        films = iter(self.film)
        for name in self._order:
            layer = self._modules[name]
            x = layer(x)
            if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
                x = next(films)(x, condition)
        return x


class ScaleHyperpriorLambda(ScaleHyperprior):
    """Ballé et al.'s scale hyperprior conditioned on lambda (pass ``lmbda`` to forward/compress/decompress)."""

    def __init__(self, N: int = 192, M: int = 192, film_hidden: int = 128, lambda_input: str = "raw",
                 lambda_range: tuple[float, float] = (0.0012, 0.26), **kwargs: Any) -> None:
        if lambda_input not in LAMBDA_INPUTS:
            raise ValueError(f"lambda_input must be one of {', '.join(LAMBDA_INPUTS)}, not {lambda_input!r}")
        if not 0 < lambda_range[0] < lambda_range[1]:
            raise ValueError(f"lambda_range must be 0 < low < high, not {lambda_range}")
        super().__init__(N, M, **kwargs)
        for name in ("g_a", "h_a", "h_s", "g_s"):
            setattr(self, name, Conditioned(getattr(self, name), film_hidden))
        self.register_buffer("log_lambda", torch.tensor(lambda_input == "log"))
        self.register_buffer("lambda_range", torch.tensor([float(v) for v in lambda_range], dtype=torch.float64))

    @classmethod
    def from_state_dict(cls, state_dict: dict[str, Tensor]) -> "ScaleHyperpriorLambda":
        net = cls(N=state_dict["g_a.0.weight"].size(0), M=state_dict["g_a.6.weight"].size(0),
                  film_hidden=state_dict["g_a.film.0.scale.0.weight"].size(0),
                  lambda_input="log" if bool(state_dict["log_lambda"]) else "raw",
                  lambda_range=tuple(float(v) for v in state_dict["lambda_range"]))
        net.load_state_dict(state_dict)
        return net

    def condition(self, lmbda: float | Tensor, batch: int, like: Tensor) -> Tensor:
        """lambda (a number, or one per image) as the FiLM input: a (batch, 1) tensor."""
        value = torch.as_tensor(lmbda, dtype=torch.float64, device=like.device).reshape(-1, 1).expand(batch, 1)
        if not bool((value > 0).all()):
            raise ValueError(f"lambda must be > 0, not {lmbda}")
        if bool(self.log_lambda):
            low, high = self.lambda_range.to(like.device).log()
            value = (2 * value.log() - low - high) / (high - low)
        return value.to(like.dtype)

    def forward(self, x: Tensor, lmbda: float | Tensor) -> dict[str, Any]:
        c = self.condition(lmbda, x.size(0), x)
        y = self.g_a(x, c)
        z = self.h_a(torch.abs(y), c)
        z_hat, z_likelihoods = self.entropy_bottleneck(z)
        scales_hat = self.h_s(z_hat, c)
        y_hat, y_likelihoods = self.gaussian_conditional(y, scales_hat)
        return {"x_hat": self.g_s(y_hat, c), "likelihoods": {"y": y_likelihoods, "z": z_likelihoods}}

    def compress(self, x: Tensor, lmbda: float | Tensor) -> dict[str, Any]:
        c = self.condition(lmbda, x.size(0), x)
        y = self.g_a(x, c)
        z = self.h_a(torch.abs(y), c)
        z_strings = self.entropy_bottleneck.compress(z)
        z_hat = self.entropy_bottleneck.decompress(z_strings, z.size()[-2:])
        indexes = self.gaussian_conditional.build_indexes(self.h_s(z_hat, c))
        y_strings = self.gaussian_conditional.compress(y, indexes)
        return {"strings": [y_strings, z_strings], "shape": z.size()[-2:]}

    def decompress(self, strings: list, shape: torch.Size, lmbda: float | Tensor) -> dict[str, Tensor]:
        z_hat = self.entropy_bottleneck.decompress(strings[1], shape)
        c = self.condition(lmbda, z_hat.size(0), z_hat)
        indexes = self.gaussian_conditional.build_indexes(self.h_s(z_hat, c))
        y_hat = self.gaussian_conditional.decompress(strings[0], indexes, z_hat.dtype)
        return {"x_hat": self.g_s(y_hat, c).clamp_(0, 1)}
