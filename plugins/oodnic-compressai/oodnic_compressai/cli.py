"""The ``oodnic compressai-train`` command, defined without importing torch or CompressAI.

Registering it happens at every ``oodnic`` start; the training code (:mod:`.train`)
is imported only when the command runs.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("compressai-train")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="folder of training images (e.g. wikipedia-photos; never Kodak)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="folder for the <name>-<k>.pt checkpoints")
@click.option("--name", default="oodnic-tiny", show_default=True, help="file name prefix")
@click.option("--architecture", default=None, type=click.Choice(["bmshj2018-factorized", "bmshj2018-hyperprior", "mbt2018-mean"]),
              help="[default: bmshj2018-hyperprior, or the --init checkpoint's]")
@click.option("--init", "init_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="fine-tune every rate point from this checkpoint instead of training from scratch")
@click.option("-N", "n_channels", default=48, show_default=True, help="channels N")
@click.option("-M", "m_channels", default=64, show_default=True, help="latent channels M")
@click.option("--lambdas", default="0.0035,0.013,0.0483", show_default=True,
              help="comma-separated rate-distortion lambdas")
@click.option("--steps", default=2500, show_default=True, help="optimiser steps per rate point")
@click.option("--batch", default=8, show_default=True)
@click.option("--crop", default=128, show_default=True, help="square crop side in pixels")
@click.option("--lr", default=5e-4, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--threads", default=1, show_default=True,
              help="torch CPU threads (on a busy shared machine 1 is several times faster than 2)")
def train_command(data_dir: Path, out_dir: Path, name: str, architecture: str | None, init_path: Path | None,
                  n_channels: int, m_channels: int, lambdas: str, steps: int, batch: int, crop: int, lr: float,
                  seed: int, threads: int) -> None:
    """Train a small CompressAI model at a few rate points and save one checkpoint per point."""
    from .train import _train  # imports compressai (its warnings filtered) and torch
    from .train import torch

    threads_before, deterministic_before = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        _train(data_dir, out_dir, name, architecture, init_path, n_channels, m_channels, lambdas, steps, batch, crop,
               lr, seed)
    finally:
        torch.set_num_threads(threads_before)
        torch.use_deterministic_algorithms(deterministic_before)
