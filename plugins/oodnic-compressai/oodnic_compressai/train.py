"""Train CompressAI models at a few rate points, or one variable-rate model (the recipes of CompressAI and of the paper).

Loss ``lambda * 255^2 * MSE + bpp`` with Adam, random crops from images preloaded
in memory, gradient clipping at 1.0, and an auxiliary Adam optimiser for the
entropy bottleneck's quantiles. Every random draw comes from ``--seed``.

Fixed-rate (default): from scratch, the highest-rate point is trained first and
each lower one starts from the weights of the point above it (warm start); with
``--init CHECKPOINT`` every rate point is instead fine-tuned from that
checkpoint. Checkpoints are numbered from the lowest rate (1) up.

``--variable-rate``: one ``bmshj2018-hyperprior-lambda`` model (lambda is an
input, FiLM layers), each crop trained at its own lambda drawn log-uniformly
from ``--lambda-range``, as the paper's code does; ``--init`` may be a
fixed-rate hyperprior of the same N, M (its layers are copied, the FiLM layers
start as the identity). One checkpoint, ``<name>.pt``.

``--prune S``: gradual magnitude pruning to sparsity S (see :mod:`.pruning`).
``--half`` rounds the parameters to float16 before the final entropy tables are
computed and stores them as float16 (exact on loading). Never train on Kodak:
it is the test set.

    python -m oodnic_compressai.train --data ../shared/datasets/wikipedia-photos --out weights/
"""

from __future__ import annotations

import copy
import json
import math
import time
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

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
from .models import ELIC_ARCHITECTURES, LAMBDA_ARCHITECTURE, architectures  # noqa: E402
from .pruning import pruning, schedule, sparsity  # noqa: E402
from .storage import pack, round_half  # noqa: E402
from .trainstate import TrainState, restore  # noqa: E402

#: CompressAI's MSE lambdas for its qualities 1..8.
COMPRESSAI_LAMBDAS = (0.0018, 0.0035, 0.0067, 0.0130, 0.0250, 0.0483, 0.0932, 0.1800)


@dataclass(frozen=True)
class Recipe:
    """The optimisation settings shared by every rate point."""

    steps: int
    batch: int = 8
    crop: int = 128
    lr: float = 5e-4
    prune: float = 0.0
    prune_window: tuple[float, float] = (0.0, 1.0)
    log_every: int = 250
    device: str = "cpu"
    #: the training images' spectral regime: none, noise:STD or blur:STD (see :func:`spectral_regime`)
    data_filter: str = "none"


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


def spectral_regime(x: torch.Tensor, data_filter: str, rng: np.random.Generator) -> torch.Tensor:
    """Training crops under a spectral regime, re-quantised to 8 bits as a stored photograph would be.

    ``none`` leaves them as they are (and draws nothing); ``noise:S`` adds white
    Gaussian noise of standard deviation S (in [0, 1] units, drawn from ``rng``);
    ``blur:S`` low-passes them with a Gaussian of standard deviation S pixels.
    """
    kind, _, value = data_filter.partition(":")
    if kind == "none":
        return x
    strength = float(value)
    if kind == "noise":
        x = x + torch.from_numpy(rng.standard_normal(tuple(x.shape), dtype=np.float32)) * strength
    else:
        radius = math.ceil(3 * strength)
        taps = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernel = torch.exp(-(taps**2) / (2 * strength**2))
        kernel = (kernel / kernel.sum()).repeat(x.shape[1], 1, 1, 1)
        x = torch.nn.functional.pad(x, (radius,) * 4, mode="reflect")
        x = torch.nn.functional.conv2d(x, kernel.view(x.shape[1], 1, 1, -1), groups=x.shape[1])
        x = torch.nn.functional.conv2d(x, kernel.view(x.shape[1], 1, -1, 1), groups=x.shape[1])
    return x.mul(255).round_().clamp_(0, 255).div_(255)


def log_uniform(rng: np.random.Generator, low: float, high: float, count: int) -> torch.Tensor:
    """``count`` lambdas drawn log-uniformly from [low, high] (the paper's scipy ``loguniform``)."""
    return torch.from_numpy(np.exp(rng.uniform(math.log(low), math.log(high), count))).float()


def per_image_loss(out: dict[str, Any], x: torch.Tensor, lmbda: torch.Tensor) -> dict[str, torch.Tensor]:
    """``mean_i(lambda_i * 255^2 * MSE_i + bpp_i)``: each crop at its own lambda (ood_nic sums; Adam scales alike)."""
    pixels = x.size(2) * x.size(3)
    bpp = sum(-torch.log2(lk).flatten(1).sum(1) for lk in out["likelihoods"].values()) / pixels
    mse = (out["x_hat"] - x).pow(2).flatten(1).mean(1)
    return {"loss": (lmbda * 255**2 * mse + bpp).mean(), "bpp_loss": bpp.mean(), "mse_loss": mse.mean()}


def train(model: CompressionModel, images: Sequence[torch.Tensor], recipe: Recipe, rng: np.random.Generator,
          lmbda: float | None = None, lambda_range: tuple[float, float] | None = None,
          state: TrainState | None = None, curve: Curve | None = None) -> dict[str, float]:
    """Optimise ``model`` in place at one ``lmbda``, or over ``lambda_range`` (a lambda-conditioned model).

    The learning rate drops tenfold for the last 20% of the steps. With
    ``recipe.prune`` the weights are pruned gradually inside ``recipe.prune_window``
    (fractions of the steps) and the masks are written into the weights at the end.
    With ``state`` the training starts from its saved state (if any) and saves
    one every ``state.every`` steps, after ``curve`` (if any) records the
    held-out figures. Returns the last logged averages.
    """
    criterion = RateDistortionLoss(lmbda=lmbda) if lambda_range is None else None
    model.to(recipe.device).train()
    last: dict[str, float] = {}
    with pruning(model) if recipe.prune > 0 else nullcontext() as pruner:
        net_params = [p for n, p in model.named_parameters() if not n.endswith(".quantiles")]
        aux_params = [p for n, p in model.named_parameters() if n.endswith(".quantiles")]
        optimizer = torch.optim.Adam(net_params, lr=recipe.lr)
        aux_optimizer = torch.optim.Adam(aux_params, lr=1e-3)
        start, end = (round(f * recipe.steps) for f in recipe.prune_window)
        sums = {"loss": 0.0, "bpp": 0.0, "psnr": 0.0, "aux": 0.0}
        first = 1
        saved = state.load() if state is not None else None
        if saved is not None:
            done, sums = restore(saved, model, [optimizer, aux_optimizer], rng)
            first = done + 1
        for step in range(first, recipe.steps + 1):
            for group in optimizer.param_groups:
                group["lr"] = recipe.lr / 10 if step > int(0.8 * recipe.steps) else recipe.lr
            if pruner is not None:
                pruner.set(schedule(step - 1, start, end, recipe.prune))
            x = spectral_regime(random_crops(images, recipe.batch, recipe.crop, rng), recipe.data_filter, rng)
            x = x.to(recipe.device)
            optimizer.zero_grad()
            aux_optimizer.zero_grad()
            if lambda_range is None:
                out = criterion(model(x), x)
            else:
                lambdas = log_uniform(rng, *lambda_range, recipe.batch).to(recipe.device)
                out = per_image_loss(model(x, lambdas), x, lambdas)
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
            if step % recipe.log_every == 0 or step == recipe.steps:
                count = recipe.log_every if step % recipe.log_every == 0 else step % recipe.log_every
                last = {k: v / count for k, v in sums.items()}
                extra = {"sparsity": round(schedule(step - 1, start, end, recipe.prune), 4)} if pruner else {}
                print(json.dumps({"lambda": lmbda if lambda_range is None else list(lambda_range), "step": step,
                                  **{k: round(v, 4) for k, v in last.items()}, **extra}), flush=True)
                sums = dict.fromkeys(sums, 0.0)
            if state is not None and state.due(step) and step < recipe.steps:
                if curve is not None:
                    curve.record(step, model, lmbda)
                state.save(step, model, [optimizer, aux_optimizer], rng, sums)
    model.cpu().eval()  # entropy tables are built and checkpoints written on the CPU
    return last


def finish(model: CompressionModel, half: bool) -> set[str]:
    """Round the parameters to float16 precision when ``half``; then compute the entropy tables.

    Returns the names of the tensors to store as float16 (the parameters; buffers
    such as likelihood bounds stay float32, float16 would flush them to zero).
    """
    names = {name for name, _ in model.named_parameters()} if half else set()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name in names:
                param.copy_(round_half(param))
    model.update(force=True)
    return names


@torch.no_grad()
def evaluate(model: CompressionModel, crops: torch.Tensor, lmbda: float | None) -> dict[str, float]:
    """Estimated bpp and PSNR of the quantised forward pass on fixed training crops (never Kodak)."""
    out = model(crops) if lmbda is None or not _is_lambda_model(model) else model(crops, lmbda)
    pixels = crops.size(0) * crops.size(2) * crops.size(3)
    bpp = sum(-torch.log2(lk).sum() for lk in out["likelihoods"].values()).item() / pixels
    mse = (out["x_hat"].clamp(0, 1) - crops).pow(2).mean().item()
    return {"bpp": round(bpp, 4), "psnr": round(-10 * math.log10(max(mse, 1e-10)), 3)}


@dataclass
class Curve:
    """Held-out figures (estimated bpp and PSNR of the quantised forward pass) every checkpoint, one JSON line each."""

    path: Path
    images: list[torch.Tensor]

    def record(self, step: int, model: CompressionModel, lmbda: float | None) -> None:
        was_training = model.training
        model.eval()
        figures = [evaluate(model, image[None].to(next(model.parameters()).device), lmbda) for image in self.images]
        model.train(was_training)
        entry = {"step": step, "bpp": round(float(np.mean([f["bpp"] for f in figures])), 4),
                 "psnr": round(float(np.mean([f["psnr"] for f in figures])), 3)}
        # steps at or after this one were logged by a run that went on past its last saved state: replaced
        earlier = [line for line in self._lines() if json.loads(line)["step"] < step]
        self.path.write_text("".join(f"{line}\n" for line in [*earlier, json.dumps(entry)]))

    def _lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []


def load_eval_images(folder: Path) -> list[torch.Tensor]:
    """Every PNG of ``folder`` (held-out images, Kodak allowed: they are never trained on) cropped to multiples of 64."""
    images = []
    for path in sorted(folder.glob("*.png")):
        image = torch.from_numpy(np.array(Image.open(path).convert("RGB"))).permute(2, 0, 1).float() / 255
        height, width = image.shape[1] // 64 * 64, image.shape[2] // 64 * 64
        images.append(image[:, :height, :width].contiguous())
    if not images:
        raise click.UsageError(f"--eval-dir {folder} holds no PNG image")
    return images


def _is_lambda_model(model: CompressionModel) -> bool:
    return type(model) is architectures()[LAMBDA_ARCHITECTURE]


def eval_crops(images: Sequence[torch.Tensor], size: int = 256, count: int = 8) -> torch.Tensor:
    """Centre crops of ``count`` training images spread over the set (a fixed check of the RD trade-off)."""
    picks = [images[i] for i in np.linspace(0, len(images) - 1, min(count, len(images))).astype(int)]
    side = min(size, *(min(im.shape[1:]) for im in picks)) // 64 * 64
    crops = []
    for image in picks:
        top, left = (image.shape[1] - side) // 2, (image.shape[2] - side) // 2
        crops.append(image[:, top : top + side, left : left + side])
    return torch.stack(crops).float() / 255


def build(architecture: str, n_channels: int, m_channels: int, film_hidden: int, lambda_input: str,
          lambda_range: tuple[float, float]) -> tuple[CompressionModel, dict[str, Any]]:
    """A fresh model and the constructor arguments saved with it (so any size loads again)."""
    config: dict[str, Any] = {"N": n_channels, "M": m_channels}
    if architecture == LAMBDA_ARCHITECTURE:
        config.update(film_hidden=film_hidden, lambda_input=lambda_input, lambda_range=list(lambda_range))
    elif architecture in ELIC_ARCHITECTURES:
        config["groups"] = elic_groups(m_channels)
    return architectures()[architecture](**config), config


def elic_groups(m_channels: int) -> list[int]:
    """ELIC's uneven channel groups (16, 16, 32, 64, M-128 at M = 320), scaled to ``m_channels``."""
    if m_channels >= 160:
        return [16, 16, 32, 64, m_channels - 128]
    head = [max(1, m_channels * share // 320) for share in (16, 16, 32, 64)]
    if sum(head) >= m_channels:
        raise click.UsageError(f"ELIC needs M of at least 10 channels, not {m_channels}")
    return [*head, m_channels - sum(head)]


def warm_start(model: CompressionModel, init: CompressionModel) -> None:
    """Copy ``init``'s layers into ``model`` (a fixed-rate hyperprior into the lambda-conditioned one)."""
    missing, unexpected = CompressionModel.load_state_dict(model, init.state_dict(), strict=False)
    extra = [k for k in missing if ".film." not in k and k not in ("log_lambda", "lambda_range")]
    if unexpected or extra:
        raise click.UsageError(f"--init does not fit this model (unexpected {unexpected[:3]}, missing {extra[:3]})")


def _size(model: CompressionModel) -> tuple[int, int]:
    """(N, M) of a CompressAI model (48, 64 where the architecture has no such attributes)."""
    return int(getattr(model, "N", 48)), int(getattr(model, "M", 64))


def widen(model: CompressionModel, init: CompressionModel) -> None:
    """Copy ``init``'s parameters into the leading channels of the wider ``model`` (Net2Net-style warm start).

    New channels keep ``model``'s own initialisation, and every weight from a new
    input channel to an old output channel is zeroed, so the old channels compute
    what ``init`` computed: the widened model reconstructs images as ``init`` did
    (GDN's default cross terms are already zero) and training grows the new channels.
    """
    if type(model) is not type(init):
        raise click.UsageError(f"--init is a {type(init).__name__}, which cannot be widened into a {type(model).__name__}")
    targets = dict(model.named_parameters())
    transposed = {f"{name}.weight" for name, module in model.named_modules()
                  if isinstance(module, torch.nn.ConvTranspose2d)}
    convolutions = transposed | {f"{name}.weight" for name, module in model.named_modules()
                                 if isinstance(module, torch.nn.Conv2d)}
    with torch.no_grad():
        for name, old in init.named_parameters():
            target = targets.get(name)
            if target is None or target.dim() != old.dim() or any(t < o for t, o in zip(target.shape, old.shape)):
                raise click.UsageError(f"--init does not fit a wider model at {name}: -N/-M must be at least the "
                                       f"checkpoint's ({_size(init)[0]}, {_size(init)[1]})")
            if name in convolutions:
                out_dim, in_dim = (1, 0) if name in transposed else (0, 1)
                links = [slice(None)] * target.dim()
                links[out_dim], links[in_dim] = slice(0, old.shape[out_dim]), slice(old.shape[in_dim], None)
                target[tuple(links)] = 0
            target[tuple(slice(0, size) for size in old.shape)] = old


def without_gaussian_tables(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop the Gaussian conditionals' CDF tables: they depend only on the fixed scale table,
    ``update()`` rebuilds them at load time, and they are most of a small model's file."""
    prefixes = {k[: -len(".scale_bound")] for k in state_dict if k.endswith(".scale_bound")}
    tables = {f"{p}.{name}" for p in prefixes for name in ("_quantized_cdf", "_offset", "_cdf_length", "scale_table")}
    return {k: v for k, v in state_dict.items() if k not in tables}


def save(path: Path, model: CompressionModel, half: set[str], meta: dict[str, Any]) -> None:
    """The checkpoint: ``meta``, the sparsity the weights show, and the compactly stored state dict."""
    state = without_gaussian_tables(model.state_dict())
    torch.save({**meta, "sparsity": round(sparsity(model), 6), "state_dict": pack(state, half)}, path)


@dataclass(frozen=True)
class Checkpointing:
    """Resumable training: a state every ``every`` steps (0: none), ``resume`` from the states in --out,
    and held-out images whose figures are logged at each state (the model card's curve)."""

    every: int = 0
    resume: bool = False
    eval_images: tuple[torch.Tensor, ...] = ()


def _train(data_dir: Path, out_dir: Path, name: str, architecture: str | None, init_path: Path | None,
           n_channels: int | None, m_channels: int | None, lambdas: str, recipe: Recipe, seed: int, variable_rate: bool,
           lambda_range: tuple[float, float], lambda_input: str, film_hidden: int, half: bool,
           checkpointing: Checkpointing = Checkpointing()) -> None:
    torch.manual_seed(seed)
    images = load_images(data_dir, recipe.crop)
    crops = eval_crops(images)
    out_dir.mkdir(parents=True, exist_ok=True)
    init, init_arch = None, ""
    if init_path is not None:
        init_arch = str(read_checkpoint(init_path).get("architecture", ""))
        init = load_checkpoint_model(init_path, init_arch or architecture or "bmshj2018-hyperprior")
    architecture = LAMBDA_ARCHITECTURE if variable_rate else (architecture or init_arch or "bmshj2018-hyperprior")
    size = _size(init) if init is not None else (48, 64)
    n_channels, m_channels = n_channels or size[0], m_channels or size[1]
    wider = init is not None and (n_channels, m_channels) != size
    if init is not None and type(init) is architectures()[architecture] and not wider:
        model, config = copy.deepcopy(init), _config_of(init_path)
    else:
        model, config = build(architecture, n_channels, m_channels, film_hidden, lambda_input, lambda_range)
        if wider:
            widen(model, init)
            init = model  # every rate point starts from the widened model
        elif init is not None:
            warm_start(model, init)
    meta = {"architecture": architecture, "config": config, "seed": seed, "steps": recipe.steps,
            "init": init_path.name if init_path else "", "prune": recipe.prune}
    ladder = sorted(float(v) for v in lambdas.split(","))
    if recipe.data_filter != "none":  # left out otherwise, so states written before the option still resume
        meta["data_filter"] = recipe.data_filter
    signature = {**meta, "recipe": {k: list(v) if isinstance(v, tuple) else v for k, v in vars(recipe).items()
                                    if k not in ("log_every", "device", "data_filter")}, "half": half}
    if variable_rate:
        path = out_dir / f"{name}.pt"
        point = _Point(path, {**signature, "lambda_range": list(lambda_range)}, replace(checkpointing, eval_images=()))
        start = time.perf_counter()
        losses = point.train(model, images, recipe, np.random.default_rng([seed, 0]), lambda_range=lambda_range)
        names = finish(model, half)
        save(path, model, names, {**meta, "lambda_range": list(lambda_range)})
        point.finished(model, recipe)
        checks = {str(lmbda): evaluate(model, crops, lmbda) for lmbda in ladder}
        _report(path, start, losses, model, checks)
        return
    for k in reversed(range(len(ladder))):
        if init is not None and type(init) is type(model):
            model = copy.deepcopy(init)
        path = out_dir / f"{name}-{k + 1}.pt"
        point = _Point(path, {**signature, "lambda": ladder[k]}, checkpointing)
        finished = point.finished_model()
        if finished is not None:  # the next point of a chain without --init goes on from it
            model = finished
            continue
        start = time.perf_counter()
        losses = point.train(model, images, recipe, np.random.default_rng([seed, k]), lmbda=ladder[k])
        names = finish(model, half)
        save(path, model, names, {**meta, "lambda": ladder[k]})
        point.finished(model, recipe)
        _report(path, start, losses, model, {str(ladder[k]): evaluate(model, crops, None)})


class _Point:
    """One rate point's checkpoint, training state and curve files."""

    def __init__(self, path: Path, signature: dict[str, Any], checkpointing: Checkpointing) -> None:
        self.path, self.checkpointing = path, checkpointing
        self.state = TrainState(path.with_suffix(".state.pt"), signature, checkpointing.every)
        self.curve = Curve(path.with_suffix(".curve.jsonl"), list(checkpointing.eval_images)) \
            if checkpointing.eval_images else None
        if self.state.path.exists() and not checkpointing.resume:
            raise click.UsageError(f"{self.state.path} holds an unfinished or earlier run: pass --resume to go on "
                                   "with it, or use another --out")

    def finished_model(self) -> CompressionModel | None:
        """The final model of a point an earlier piece of the run finished; None when it is still to train."""
        saved = self.state.load() if self.checkpointing.resume else None
        if saved is None or not saved["done"]:
            return None
        if not self.path.exists():
            raise click.UsageError(f"{self.state.path} marks this rate point finished, but {self.path} is missing: "
                                   "restore it, or delete the state to train the point again")
        print(json.dumps({"resumed": str(self.path), "done": True}), flush=True)
        return load_checkpoint_model(self.path)

    def train(self, model: CompressionModel, images: Sequence[torch.Tensor], recipe: Recipe,
              rng: np.random.Generator, **rate: Any) -> dict[str, float]:
        state = self.state if self.checkpointing.every or self.checkpointing.resume else None
        return train(model, images, recipe, rng, state=state, curve=self.curve, **rate)

    def finished(self, model: CompressionModel, recipe: Recipe) -> None:
        """Mark the point done: the state shrinks to its signature (a resumed chain loads the final checkpoint)."""
        if self.checkpointing.every or self.checkpointing.resume:
            if self.curve is not None:
                self.curve.record(recipe.steps, model, self.state.signature.get("lambda"))
            self.state.finish(recipe.steps)


def _config_of(path: Path | None) -> dict[str, Any]:
    config = read_checkpoint(path).get("config") if path is not None else None
    return dict(config) if isinstance(config, dict) else {}


def _report(path: Path, start: float, losses: dict[str, float], model: CompressionModel,
            checks: dict[str, dict[str, float]]) -> None:
    print(json.dumps({"saved": str(path), "minutes": round((time.perf_counter() - start) / 60, 1),
                      "bytes": path.stat().st_size, "sparsity": round(sparsity(model), 4),
                      "final": {k: round(v, 4) for k, v in losses.items()}, "eval_crops": checks}), flush=True)


if __name__ == "__main__":
    train_command()
