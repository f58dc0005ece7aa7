"""Train a small CompressAI model at a few rate points (the recipe of CompressAI and of the paper).

Loss ``lambda * 255^2 * MSE + bpp`` with Adam, random crops from images preloaded
in memory, and an auxiliary Adam optimiser for the entropy bottleneck's
quantiles. Every random draw comes from ``--seed``.

From scratch, the highest-rate point is trained first and each lower one starts
from the weights of the point above it (warm start), which is what makes a few
CPU minutes per rate point go far. With ``--init CHECKPOINT`` every rate point
is instead fine-tuned from that checkpoint (e.g. one of a previous run, or a
pretrained model). Checkpoints are numbered from the lowest rate (1) up. Never
train on Kodak: it is the test set.

    python -m oodnic_compressai.train --data ../shared/datasets/wikipedia-photos --out weights/
"""

from __future__ import annotations

import copy
import json
import math
import time
from pathlib import Path
from typing import Sequence

import click
import numpy as np

from . import _lazy

_lazy.compressai()  # with its import-time warnings filtered; this module itself is imported only lazily

import torch  # noqa: E402
from compressai.losses import RateDistortionLoss  # noqa: E402
from compressai.models import CompressionModel  # noqa: E402
from PIL import Image  # noqa: E402

from .checkpoints import load_checkpoint_model, read_checkpoint  # noqa: E402
from .cli import train_command  # noqa: E402,F401  (the command is defined without torch, for registration)
from .models import architectures  # noqa: E402

#: CompressAI's MSE lambdas for its qualities 1..8.
COMPRESSAI_LAMBDAS = (0.0018, 0.0035, 0.0067, 0.0130, 0.0250, 0.0483, 0.0932, 0.1800)


def load_images(folder: Path, min_side: int) -> list[torch.Tensor]:
    """Every PNG/JPEG in ``folder`` as a 3xHxW uint8 tensor (sorted by name)."""
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    if any(p.stem.startswith("kodim") for p in paths):
        raise click.UsageError(f"{folder} holds Kodak images: Kodak is the test set, never train on it")
    images = [torch.from_numpy(np.array(Image.open(p).convert("RGB"))).permute(2, 0, 1).contiguous() for p in paths]
    images = [im for im in images if min(im.shape[1:]) >= min_side]
    if not images:
        raise click.UsageError(f"no image of at least {min_side} px per side in {folder}")
    return images


def random_crops(images: Sequence[torch.Tensor], batch: int, size: int, rng: np.random.Generator) -> torch.Tensor:
    """A float batch in [0, 1] of random ``size`` crops, randomly flipped left-right."""
    crops = []
    for index in rng.integers(len(images), size=batch):
        image = images[index]
        top = rng.integers(image.shape[1] - size + 1)
        left = rng.integers(image.shape[2] - size + 1)
        crop = image[:, top : top + size, left : left + size]
        crops.append(crop.flip(2) if rng.random() < 0.5 else crop)
    return torch.stack(crops).float().div_(255.0)


def train_rate_point(
    model: CompressionModel,
    images: Sequence[torch.Tensor],
    lmbda: float,
    steps: int,
    rng: np.random.Generator,
    batch: int = 8,
    crop: int = 128,
    lr: float = 5e-4,
    log_every: int = 250,
) -> dict[str, float]:
    """Optimise ``model`` in place for one lambda; returns the last logged losses.

    The learning rate drops tenfold for the last 20% of the steps.
    """
    net_params = [p for n, p in model.named_parameters() if not n.endswith(".quantiles")]
    aux_params = [p for n, p in model.named_parameters() if n.endswith(".quantiles")]
    optimizer = torch.optim.Adam(net_params, lr=lr)
    aux_optimizer = torch.optim.Adam(aux_params, lr=1e-3)
    criterion = RateDistortionLoss(lmbda=lmbda)
    model.train()
    sums = {"loss": 0.0, "bpp": 0.0, "psnr": 0.0, "aux": 0.0}
    last: dict[str, float] = {}
    for step in range(1, steps + 1):
        if step == int(0.8 * steps) + 1:
            for group in optimizer.param_groups:
                group["lr"] = lr / 10
        x = random_crops(images, batch, crop, rng)
        optimizer.zero_grad()
        aux_optimizer.zero_grad()
        out = criterion(model(x), x)
        out["loss"].backward()
        torch.nn.utils.clip_grad_norm_(net_params, 1.0)
        optimizer.step()
        aux_loss = model.aux_loss()
        aux_loss.backward()
        aux_optimizer.step()
        sums["loss"] += out["loss"].item()
        sums["bpp"] += out["bpp_loss"].item()
        sums["psnr"] += -10 * math.log10(max(out["mse_loss"].item(), 1e-10))
        sums["aux"] += aux_loss.item()
        if step % log_every == 0 or step == steps:
            count = log_every if step % log_every == 0 else step % log_every
            last = {k: v / count for k, v in sums.items()}
            print(json.dumps({"lambda": lmbda, "step": step, **{k: round(v, 4) for k, v in last.items()}}), flush=True)
            sums = dict.fromkeys(sums, 0.0)
    model.eval()
    model.update(force=True)
    return last


def without_gaussian_tables(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop the Gaussian conditionals' CDF tables: they depend only on the fixed scale table,
    ``update()`` rebuilds them at load time, and they are most of a small model's file."""
    prefixes = {k[: -len(".scale_bound")] for k in state_dict if k.endswith(".scale_bound")}
    tables = {f"{p}.{name}" for p in prefixes for name in ("_quantized_cdf", "_offset", "_cdf_length", "scale_table")}
    return {k: v for k, v in state_dict.items() if k not in tables}


def _train(data_dir: Path, out_dir: Path, name: str, architecture: str | None, init_path: Path | None,
           n_channels: int, m_channels: int, lambdas: str, steps: int, batch: int, crop: int, lr: float,
           seed: int) -> None:
    torch.manual_seed(seed)
    images = load_images(data_dir, crop)
    out_dir.mkdir(parents=True, exist_ok=True)
    if init_path is not None:
        architecture = architecture or str(read_checkpoint(init_path).get("architecture", ""))
        init = load_checkpoint_model(init_path, architecture)
    else:
        architecture = architecture or "bmshj2018-hyperprior"
        model = architectures()[architecture](n_channels, m_channels)
    ladder = sorted(float(v) for v in lambdas.split(","))
    for k in reversed(range(len(ladder))):
        if init_path is not None:
            model = copy.deepcopy(init)
        lmbda = ladder[k]
        rng = np.random.default_rng([seed, k])
        start = time.perf_counter()
        losses = train_rate_point(model, images, lmbda, steps, rng, batch=batch, crop=crop, lr=lr)
        minutes = (time.perf_counter() - start) / 60
        path = out_dir / f"{name}-{k + 1}.pt"
        torch.save({"architecture": architecture, "lambda": lmbda, "seed": seed, "steps": steps,
                    "init": init_path.name if init_path else "", "state_dict": without_gaussian_tables(model.state_dict())},
                   path)
        print(json.dumps({"saved": str(path), "lambda": lmbda, "minutes": round(minutes, 1),
                          "final": {k: round(v, 4) for k, v in losses.items()}}), flush=True)


if __name__ == "__main__":
    train_command()
