"""Codecs for weights that are not the zoo's: a user's checkpoint, and the model bundled with this package."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .codec import CompressAICodec
from .models import architectures

if TYPE_CHECKING:  # torch and compressai are imported only when a model is loaded
    from compressai.models import CompressionModel

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def load_checkpoint_model(path: str | Path, arch: str = "", model_class: str = "") -> CompressionModel:
    """:func:`.checkpoints.load_checkpoint_model`, imported (with torch and compressai) on first use."""
    from .checkpoints import load_checkpoint_model as load

    return load(path, arch, model_class)


class UserCodec(CompressAICodec):
    """Your own weights: ``arch`` (a zoo architecture) or ``model_class`` ("package.module:Class",
    any CompressionModel subclass, e.g. ELIC or a pruned model) plus ``checkpoint``.

    ``checkpoint`` may contain ``{quality}`` (one file per rate point, e.g.
    ``ckpt-{quality}.pth.tar``); otherwise one model codes every quality, which
    must then be a rate parameter: the gain of a -vbr architecture, or the value
    of the keyword ``rate_argument`` passed to compress/decompress/forward.
    """

    name = "compressai-user"
    description = "CompressAI model from your checkpoint (settings arch or model_class, and checkpoint)"
    qualities = (1,)
    arch: str = ""
    model_class: str = ""
    checkpoint: str = ""

    def settings(self) -> dict[str, Any]:
        return {"arch": self.arch, "model_class": self.model_class, "checkpoint": self.checkpoint,
                "rate_argument": self.rate_argument, **super().settings()}

    def validate(self) -> None:
        if bool(self.arch) == bool(self.model_class):
            raise ValueError(f"{self.name}: set exactly one of arch (a zoo architecture) or model_class (module:Class)")
        if self.arch and self.arch not in architectures():
            raise ValueError(f"{self.name}: unknown arch {self.arch!r} (known: {', '.join(sorted(architectures()))})")
        if not self.checkpoint:
            raise ValueError(f"{self.name}: set checkpoint=PATH (may contain {{quality}})")

    def unavailable_reason(self) -> str | None:
        try:
            self.validate()
        except ValueError as exc:
            return f"{exc}, e.g. --codec {self.name}:arch=bmshj2018-hyperprior,checkpoint=ckpt.pth.tar"
        if "{quality" not in self.checkpoint and not Path(self.checkpoint).is_file():
            return f"{self.name}: checkpoint {self.checkpoint} does not exist"
        return None

    def identity(self) -> str:
        return f"user:{self.arch}:{self.model_class}:{self.checkpoint}:{self.rate_argument}"

    def checkpoint_path(self, quality: float) -> Path:
        value = int(quality) if float(quality).is_integer() else quality
        return Path(self.checkpoint.format(quality=value))

    def weights_id(self, quality: float) -> str:
        return f"{self.identity()}:{self.checkpoint_path(quality)}"

    def load_model(self, quality: float) -> CompressionModel:
        return load_checkpoint_model(self.checkpoint_path(quality), self.arch, self.model_class)


class BundledCodec(CompressAICodec):
    """The small model trained with ``oodnic compressai-train`` that ships in ``weights/`` (see MODEL_CARD.md)."""

    name = "oodnic-tiny"
    description = "small bmshj2018-hyperprior trained on wikipedia-photos, bundled (MODEL_CARD.md)"

    @property
    def qualities(self) -> tuple[int, ...]:  # type: ignore[override]
        return tuple(sorted(int(p.stem.rsplit("-", 1)[1]) for p in WEIGHTS_DIR.glob(f"{self.name}-*.pt")))

    def path(self, quality: float) -> Path:
        return WEIGHTS_DIR / f"{self.name}-{int(quality)}.pt"

    @cached_property
    def digest(self) -> str:
        """Short sha256 of the bundled weight files: the version of the weights."""
        sha = hashlib.sha256()
        for q in self.qualities:
            sha.update(self.path(q).read_bytes())
        return sha.hexdigest()[:12]

    def version(self) -> str:
        return f"{super().version()}; weights {self.digest}"

    def unavailable_reason(self) -> str | None:
        return None if self.qualities else f"no bundled weights in {WEIGHTS_DIR} (reinstall oodnic-compressai)"

    def identity(self) -> str:
        return f"{self.name}:{self.digest}"

    def weights_id(self, quality: float) -> str:
        return f"{self.identity()}:{int(quality)}"

    def load_model(self, quality: float) -> CompressionModel:
        if quality not in self.qualities:
            raise ValueError(f"{self.name} qualities are {', '.join(map(str, self.qualities))}, not {quality}")
        return load_checkpoint_model(self.path(quality))
