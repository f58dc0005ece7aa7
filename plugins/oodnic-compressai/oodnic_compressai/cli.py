"""The ``oodnic compressai-train`` command, defined without importing torch or CompressAI.

Registering it happens at every ``oodnic`` start; the training code (:mod:`.train`)
is imported only when the command runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

ARCHITECTURES = ["bmshj2018-factorized", "bmshj2018-hyperprior", "mbt2018-mean", "elic2022-official", "elic2022-chandelier"]
#: ood_nic's default pruning window: epochs 675 to 2400 of 5000 (pruning.PAPER_WINDOW, here without torch)
PAPER_WINDOW = "0.135,0.48"


def _pair(text: str, what: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{what} must be two numbers LOW,HIGH, not {text!r}") from None
    if not 0 <= low < high:
        raise click.BadParameter(f"{what} must satisfy 0 <= LOW < HIGH, not {text!r}")
    return low, high


def _regime(text: str) -> str:
    kind, _, value = text.partition(":")
    try:
        strength = float(value) if kind in ("noise", "blur") else None
    except ValueError:
        strength = None
    if text != "none" and not (strength is not None and 0 < strength <= (0.5 if kind == "noise" else 8)):
        raise click.BadParameter(f"expected none, noise:STD (0 < STD <= 0.5) or blur:STD (0 < STD <= 8 px), not {text!r}")
    return text


@click.command("compressai-train")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="folder of training images (e.g. wikipedia-photos; never Kodak)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="folder for the <name>-<k>.pt checkpoints (<name>.pt for --variable-rate)")
@click.option("--name", default="oodnic-tiny", show_default=True, help="file name prefix")
@click.option("--architecture", "--arch", default=None, type=click.Choice(ARCHITECTURES),
              help="[default: bmshj2018-hyperprior, or the --init checkpoint's]")
@click.option("--variable-rate", is_flag=True,
              help="one lambda-conditioned hyperprior (bmshj2018-hyperprior-lambda): lambda is a model input")
@click.option("--init", "init_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="fine-tune from this checkpoint (with --variable-rate: a fixed-rate hyperprior of the same N, M)")
@click.option("-N", "--N", "n_channels", type=int, default=None,
              help="channels N (the paper: 192)  [default: 48, or the --init checkpoint's; more widens it]")
@click.option("-M", "--M", "m_channels", type=int, default=None,
              help="latent channels M (the paper: 192)  [default: 64, or the --init checkpoint's; more widens it]")
@click.option("--lambdas", default="0.0035,0.013,0.0483", show_default=True,
              help="comma-separated lambdas: the rate points (with --variable-rate: where it is evaluated)")
@click.option("--lambda-range", default="0.0012,0.26", show_default=True,
              help="--variable-rate: each crop's lambda is drawn log-uniformly from LOW,HIGH (the paper's range)")
@click.option("--lambda-input", type=click.Choice(["raw", "log"]), default="raw", show_default=True,
              help="--variable-rate: feed lambda (the paper) or ln(lambda) to the FiLM layers")
@click.option("--film-hidden", default=128, show_default=True, help="--variable-rate: hidden width of the FiLM MLPs")
@click.option("--prune", default=0.0, show_default=True, type=click.FloatRange(0, 1, max_open=True),
              help="final sparsity of gradual magnitude pruning (the paper: 0.95); 0 = dense")
@click.option("--prune-window", default=PAPER_WINDOW, show_default=True,
              help="START,END of the pruning schedule as fractions of the steps (the paper's epochs 675..2400 of 5000)")
@click.option("--steps", default=2500, show_default=True, help="optimiser steps per rate point (or per model)")
@click.option("--batch", default=8, show_default=True)
@click.option("--crop", default=128, show_default=True, help="square crop side in pixels (the paper: 256)")
@click.option("--lr", default=5e-4, show_default=True, help="Adam learning rate (the paper: 1e-4)")
@click.option("--half", is_flag=True, help="round parameters to float16 before the final tables and store them so")
@click.option("--seed", default=0, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="torch device to train on: cpu, cuda, cuda:N")
@click.option("--checkpoint-every", default=0, show_default=True, type=click.IntRange(0),
              help="save the whole training state (weights, optimisers, RNGs, step) every K steps; 0 = never")
@click.option("--resume", is_flag=True,
              help="go on from the training states in --out (finished rate points are skipped); same options")
@click.option("--eval-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="held-out PNGs (e.g. Kodak) whose estimated bpp/PSNR is logged at every state (<name>-<k>.curve.jsonl)")
@click.option("--data-filter", default="none", show_default=True, callback=lambda _c, _p, v: _regime(v),
              help="spectral regime of the training images: none, noise:STD (white Gaussian, [0, 1] units) or "
                   "blur:STD (Gaussian low-pass, pixels); re-quantised to 8 bits")
@click.option("--threads", default=1, show_default=True,
              help="torch CPU threads (on a busy shared machine 1 is several times faster than 2)")
def train_command(data_dir: Path, out_dir: Path, name: str, architecture: str | None, variable_rate: bool,
                  init_path: Path | None, n_channels: int | None, m_channels: int | None, lambdas: str, lambda_range: str,
                  lambda_input: str, film_hidden: int, prune: float, prune_window: str, steps: int, batch: int,
                  crop: int, lr: float, half: bool, seed: int, device: str, checkpoint_every: int, resume: bool,
                  eval_dir: Path | None, data_filter: str, threads: int) -> None:
    """Train a CompressAI model at a few rate points (or one variable-rate model) and save its checkpoints."""
    if variable_rate and architecture not in (None, "bmshj2018-hyperprior"):
        raise click.UsageError("--variable-rate trains the lambda-conditioned bmshj2018-hyperprior only")
    window, lambda_bounds = _pair(prune_window, "--prune-window"), _pair(lambda_range, "--lambda-range")
    if window[1] > 1:
        raise click.BadParameter("--prune-window fractions must lie in [0, 1]")
    if device.startswith("cuda"):  # deterministic cuBLAS (torch.use_deterministic_algorithms needs it)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    from .train import Checkpointing, Recipe, _train, load_eval_images  # imports compressai (warnings filtered), torch
    from .train import torch

    recipe = Recipe(steps=steps, batch=batch, crop=crop, lr=lr, prune=prune, prune_window=window, device=device,
                    data_filter=data_filter)
    threads_before, deterministic_before = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        _train(data_dir, out_dir, name, architecture, init_path, n_channels, m_channels, lambdas, recipe, seed,
               variable_rate, lambda_bounds, lambda_input, film_hidden, half,
               Checkpointing(checkpoint_every, resume, tuple(load_eval_images(eval_dir)) if eval_dir else ()))
    finally:
        torch.set_num_threads(threads_before)
        torch.use_deterministic_algorithms(deterministic_before)
