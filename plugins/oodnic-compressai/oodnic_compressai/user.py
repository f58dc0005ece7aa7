"""A codec for your own weights: any architecture this plugin knows, or any CompressionModel class, plus a checkpoint."""

from __future__ import annotations

import glob
import hashlib
import json
import re
import string
from pathlib import Path
from typing import Any, Sequence, TYPE_CHECKING

from oodnic_platform.download import cached_digest

from oodnic_platform import Quality

from .checkfile import inspect_checkpoint
from .codec import CompressAICodec
from .models import ARCHITECTURE_NAMES, LAMBDA_ARCHITECTURE, VBR_ARCHITECTURES

if TYPE_CHECKING:  # torch and compressai are imported only when a model is loaded
    from compressai.models import CompressionModel

_CLASS_PATH = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def load_checkpoint_model(path: str | Path, arch: str = "", model_class: str = "") -> CompressionModel:
    """:func:`.checkpoints.load_checkpoint_model`, imported (with torch and compressai) on first use."""
    from .checkpoints import load_checkpoint_model as load

    return load(path, arch, model_class)


class UserCodec(CompressAICodec):
    """Your own weights: ``arch`` (an architecture name) or ``model_class`` ("package.module:Class",
    any CompressionModel subclass) plus ``checkpoint``.

    ``checkpoint`` may contain ``{quality}`` (one file per rate point, e.g.
    ``ckpt-{quality}.pth.tar``); otherwise one model codes every quality, which
    must then be a rate parameter: the gain of a -vbr architecture, or the value
    of the keyword ``rate_argument`` passed to compress/decompress/forward (the
    lambda of ``bmshj2018-hyperprior-lambda``: ``rate_argument=lmbda``).
    Every checkpoint file is checked when the codec is configured (before any
    image is read) and hashed for :meth:`fingerprint`.
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

    def _validate_settings(self) -> None:
        if bool(self.arch) == bool(self.model_class):
            raise ValueError(f"{self.name}: set exactly one of arch (an architecture) or model_class (module:Class)")
        if self.arch and self.arch not in ARCHITECTURE_NAMES:
            raise ValueError(f"{self.name}: unknown arch {self.arch!r} (known: {', '.join(sorted(ARCHITECTURE_NAMES))})")
        if self.model_class and not _CLASS_PATH.fullmatch(self.model_class):
            raise ValueError(f"{self.name}: model_class must look like 'package.module:Class', not {self.model_class!r}")
        if self.arch == LAMBDA_ARCHITECTURE and not self.rate_argument:
            raise ValueError(f"{self.name}: {LAMBDA_ARCHITECTURE} takes lambda as its quality: set rate_argument=lmbda")
        if not self.checkpoint:
            raise ValueError(f"{self.name}: set checkpoint=PATH (may contain {{quality}})")
        fields = {field for _, field, _, _ in string.Formatter().parse(self.checkpoint) if field is not None}
        if fields - {"quality"}:
            raise ValueError(f"{self.name}: checkpoint may contain only {{quality}}, not {self.checkpoint!r}")

    def validate(self) -> None:
        """Settings, then every checkpoint file: refused (one line) unless torch would read it as tensors."""
        self._validate_settings()
        for path in self.checkpoint_files():
            inspect_checkpoint(path)

    def unavailable_reason(self) -> str | None:
        try:
            self._validate_settings()
        except ValueError as exc:
            return f"{exc}, e.g. --codec {self.name}:arch=bmshj2018-hyperprior,checkpoint=ckpt.pth.tar"
        try:
            self.validate()
        except ValueError as exc:
            return f"{self.name}: {exc}"
        return None

    def check_quality(self, quality: float) -> None:
        """A template needs the quality's file; one fixed-rate checkpoint codes one rate (quality 1)."""
        if self.is_template:
            if not self.checkpoint_path(quality).is_file():
                raise ValueError(f"{self.name}: no checkpoint {self.checkpoint_path(quality)} for quality {quality}")
        elif not (self.rate_argument or self.model_class or self.arch in VBR_ARCHITECTURES) and quality != 1:
            raise ValueError(f"{self.name}: one fixed-rate checkpoint codes one rate (quality 1), not {quality}; "
                             "use {quality} in checkpoint, or rate_argument for a variable-rate model")

    @property
    def is_template(self) -> bool:
        return "{quality" in self.checkpoint

    def checkpoint_files(self) -> list[Path]:
        """The checkpoint, or every file matching a ``{quality}`` template (ValueError if none does)."""
        if not self.is_template:
            return [Path(self.checkpoint)]
        pattern = "".join(glob.escape(literal) + ("*" if field is not None else "")
                          for literal, field, _, _ in string.Formatter().parse(self.checkpoint))
        files = sorted(Path(p) for p in glob.glob(pattern) if Path(p).is_file())
        if not files:
            raise ValueError(f"no checkpoint file matches {self.checkpoint}")
        return files

    def fingerprint(self, qualities: Sequence[Quality] | None = None) -> dict[str, str]:
        """sha256 of the checkpoint file(s) the ``qualities`` code with (default: every file matching a template)."""
        files = self.checkpoint_files() if qualities is None or not self.is_template else \
            [self.checkpoint_path(q) for q in qualities]
        return {path.name: cached_digest(path) for path in files}

    def provenance(self) -> dict[str, str]:
        return {"checkpoint": str(Path(self.checkpoint).resolve())}

    def identity(self) -> str:
        """The settings and the checkpoints' contents (so bitstreams of retrained weights are refused)."""
        contents = hashlib.sha256(json.dumps(self.fingerprint(), sort_keys=True).encode()).hexdigest()[:16]
        return f"user:{self.arch}:{self.model_class}:{self.checkpoint}:{self.rate_argument}:{contents}"

    def checkpoint_path(self, quality: float) -> Path:
        value = int(quality) if float(quality).is_integer() else quality
        return Path(self.checkpoint.format(quality=value))

    def weights_id(self, quality: float) -> str:
        return f"{self.identity()}:{self.checkpoint_path(quality)}"

    def load_model(self, quality: float) -> CompressionModel:
        return load_checkpoint_model(self.checkpoint_path(quality), self.arch, self.model_class)
