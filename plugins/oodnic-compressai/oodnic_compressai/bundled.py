"""The small models shipped in ``weights/`` (the oodnic-tiny family, see MODEL_CARD.md), one codec each.

Fixed-rate models have one file per quality (``<name>-<k>.pt``, k = 1 for the
lowest rate); variable-rate ones have one file (``<name>.pt``) and their
qualities are the lambdas given to the model.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, TYPE_CHECKING

from oodnic_platform.download import cached_digest

from oodnic_platform import Quality

from .codec import CompressAICodec

if TYPE_CHECKING:  # torch and compressai are imported only when a model is loaded
    from compressai.models import CompressionModel

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


@dataclass(frozen=True)
class BundledModel:
    """What a bundled model is; ``lambdas`` (its default ladder) and ``lambda_range`` make it variable-rate."""

    name: str
    description: str
    lambdas: tuple[float, ...] = ()
    lambda_range: tuple[float, float] | None = None


BUNDLED: dict[str, BundledModel] = {m.name: m for m in (
    BundledModel("oodnic-tiny", "small bmshj2018-hyperprior (N=48, M=64) trained on wikipedia-photos, 5 rates"),
    BundledModel("oodnic-hp", "oodnic-tiny fine-tuned on 256 px crops (N=48, M=64), wikipedia-photos, 5 rates up to 0.7 bpp"),
    BundledModel("oodnic-hp-wide", "oodnic-hp widened to N=64, M=96 and trained 6,800 more steps per rate "
                 "(wikipedia-photos), 5 rates up to 1.1 bpp"),
    BundledModel("oodnic-tiny-p95", "oodnic-tiny pruned to 95% sparsity (gradual magnitude pruning), qualities 0, 2, 4"),
    BundledModel("oodnic-tiny-vr", "oodnic-tiny made variable-rate: lambda is an input (FiLM), quality = lambda",
                 lambdas=(0.0012, 0.0035, 0.01, 0.04), lambda_range=(0.0012, 0.26)),
    BundledModel("oodnic-tiny-vr-p95", "oodnic-tiny-vr pruned to 95% sparsity (gradual magnitude pruning), "
                 "quality = lambda", lambdas=(0.0012, 0.002, 0.0035, 0.01), lambda_range=(0.0012, 0.26)),
)}


class BundledCodec(CompressAICodec):
    """A model trained with ``oodnic compressai-train`` that ships with this package (see MODEL_CARD.md)."""

    def __init__(self, name: str = "oodnic-tiny") -> None:
        super().__init__()
        self.spec = BUNDLED[name]
        self.name, self.description = name, self.spec.description
        # rate search: any lambda of a variable-rate model (log axis); one model per quality otherwise
        self.quality_scale, self.rate_rises, self.ladder_bpp = "ladder", True, (0.15, 1.0)
        if self.spec.lambdas:
            self.rate_argument = "lmbda"
            self.quality_range = self.spec.lambda_range
            self.quality_scale, self.ladder_bpp = "continuous", (0.28, 0.8)

    @property
    def variable_rate(self) -> bool:
        return bool(self.spec.lambdas)

    @property
    def qualities(self) -> tuple[float, ...]:  # type: ignore[override]
        if self.variable_rate:
            return self.spec.lambdas
        return tuple(sorted(int(p.stem.rsplit("-", 1)[1]) for p in WEIGHTS_DIR.glob(f"{self.name}-[0-9]*.pt")))

    def files(self) -> list[Path]:
        if self.variable_rate:
            return [WEIGHTS_DIR / f"{self.name}.pt"]
        return [self.path(q) for q in self.qualities]

    def path(self, quality: float) -> Path:
        return self.files()[0] if self.variable_rate else WEIGHTS_DIR / f"{self.name}-{int(quality)}.pt"

    def fingerprint(self, qualities: Sequence[Quality] | None = None) -> dict[str, str]:
        """sha256 of the weights the ``qualities`` (default: all) code with."""
        files = self.files() if self.variable_rate or qualities is None else [self.path(q) for q in qualities]
        return {path.name: cached_digest(path) for path in files}

    @property
    def digest(self) -> str:
        """Short sha256 over the bundled files: the version of the weights."""
        return hashlib.sha256("".join(self.fingerprint().values()).encode()).hexdigest()[:12]

    def version(self) -> str:
        library = f"compressai {importlib.metadata.version('compressai')}"
        return library if self.unavailable_reason() else f"{library}; weights {self.digest}"

    def unavailable_reason(self) -> str | None:
        missing = [p.name for p in self.files() if not p.is_file()] if self.qualities else [f"{self.name}-*.pt"]
        return f"bundled weights {', '.join(missing)} missing in {WEIGHTS_DIR} (reinstall oodnic-compressai)" if missing else None

    def check_quality(self, quality: float) -> None:
        if self.variable_rate:
            super().check_quality(quality)
        elif quality not in self.qualities:
            raise ValueError(f"{self.name} qualities are {', '.join(map(str, self.qualities))}, not {quality}")

    def identity(self) -> str:
        return f"{self.name}:{self.digest}"

    def weights_id(self, quality: float) -> str:
        return self.identity() if self.variable_rate else f"{self.identity()}:{int(quality)}"

    def load_model(self, quality: float) -> CompressionModel:
        self.check_quality(quality)
        from .checkpoints import load_checkpoint_model

        return load_checkpoint_model(self.path(quality))


def bundled_codecs() -> list[BundledCodec]:
    return [BundledCodec(name) for name in BUNDLED]
