"""Resumable training: everything a training loop needs to go on exactly where it stopped.

A state file (``<name>-<k>.state.pt``, or ``<name>.state.pt`` for a variable-rate
model) holds the step, the model's, the optimisers' and the RNGs' states and
the running log sums; it is written atomically every ``checkpoint_every`` steps
and replaced by a small ``done`` marker when the rate point is finished. Resuming from
it replays nothing: an interrupted and resumed run ends with the same weights as
an uninterrupted one (CPU, one thread, deterministic algorithms). Files are read
with ``torch.load(weights_only=True)``; the numpy generator's state travels as JSON.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
import torch


@dataclass
class TrainState:
    """Where one rate point's training stands."""

    path: Path
    #: what must match for a resume to be the same run (recipe, lambda, seed, architecture)
    signature: dict[str, Any]
    every: int = 0

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None when there is none; a state of another run is refused in one line."""
        if not self.path.exists():
            return None
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one line
            raise click.UsageError(f"{self.path}: not a readable training state ({type(exc).__name__})") from None
        saved = json.loads(state.get("signature", "{}"))
        if saved != self.signature:
            changed = sorted(k for k in {*saved, *self.signature} if saved.get(k) != self.signature.get(k))
            raise click.UsageError(f"{self.path} was written by a run with other settings ({', '.join(changed)}): "
                                   "resume with the same options or use another --out")
        return state

    def save(self, step: int, model: torch.nn.Module, optimizers: list[torch.optim.Optimizer],
             rng: np.random.Generator, sums: dict[str, float]) -> None:
        """Write the state atomically (temporary file, then rename)."""
        state = {"signature": json.dumps(self.signature, sort_keys=True), "step": step, "done": False,
                 "model": model.state_dict(), "optimizers": [o.state_dict() for o in optimizers],
                 "torch_rng": torch.get_rng_state(), "numpy_rng": json.dumps(rng.bit_generator.state),
                 "sums": json.dumps(sums)}
        if torch.cuda.is_available():
            state["cuda_rng"] = torch.cuda.get_rng_state_all()
        self._write(state)

    def finish(self, step: int) -> None:
        """Replace the state by a small ``done`` marker (the finished point's weights are its checkpoint)."""
        self._write({"signature": json.dumps(self.signature, sort_keys=True), "step": step, "done": True})

    def _write(self, state: dict[str, Any]) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        torch.save(state, temporary)
        os.replace(temporary, self.path)

    def due(self, step: int) -> bool:
        return self.every > 0 and step % self.every == 0


def restore(state: dict[str, Any], model: torch.nn.Module, optimizers: list[torch.optim.Optimizer],
            rng: np.random.Generator) -> tuple[int, dict[str, float]]:
    """Put a saved state back into ``model``, ``optimizers`` and ``rng``; returns (step, log sums)."""
    model.load_state_dict(state["model"])
    for optimizer, saved in zip(optimizers, state["optimizers"]):
        optimizer.load_state_dict(saved)
    torch.set_rng_state(state["torch_rng"])
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    rng.bit_generator.state = json.loads(state["numpy_rng"])
    return int(state["step"]), json.loads(state["sums"])
