"""CompressAI's pretrained zoo models, one codec per architecture.

Weights are the zoo's own files in ``torch.hub``'s folder, downloaded on first
use and verified (see :mod:`.hub`); with ``OODNIC_OFFLINE=1`` a missing file
makes the codec unavailable with one line naming the file, its URL and the
folder to put it in. The file is read with ``weights_only=True``
(compressai.zoo's own loader unpickles freely), renamed with
``compressai.zoo.load_state_dict`` and built with the architecture's
``from_state_dict``, exactly as the zoo does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence, TYPE_CHECKING

from oodnic_platform.download import OFFLINE_ENV, cached_digest, offline

from oodnic_platform import Quality

from . import hub
from .codec import CompressAICodec
from .models import METRICS, VBR_ARCHITECTURES, ZOO_QUALITIES

#: default ladder of a -vbr model's quality: the quantisation gain (1 / step size), CompressAI's initial gains
VBR_QUALITIES = (0.1, 0.139, 0.193, 0.269, 0.373, 0.518, 0.72, 1.0)

if TYPE_CHECKING:  # torch and compressai are imported only when weights are loaded
    from compressai.models import CompressionModel


class ZooCodec(CompressAICodec):
    """A pretrained CompressAI zoo architecture; ``metric`` picks the mse- or ms-ssim-trained weights.

    Fixed-rate architectures: quality = the zoo's quality index (1..8, or 1..6
    for cheng2020). ``-vbr`` architectures: one set of weights, quality = the
    quantisation gain in (0, 1] (1 / CompressAI's ``--vbr_quantstep``).
    """

    metric: str = "mse"

    def __init__(self, architecture: str) -> None:
        super().__init__()
        self.name = self.architecture = architecture
        self.variable_rate = architecture in VBR_ARCHITECTURES
        self.qualities = VBR_QUALITIES if self.variable_rate else ZOO_QUALITIES[architecture]
        self.quality_range = None if self.variable_rate else (self.qualities[0], self.qualities[-1])
        # rate search: any gain of a -vbr model; one model per quality otherwise (the nearest is taken)
        self.quality_scale = "continuous" if self.variable_rate else "ladder"
        self.rate_range = (VBR_QUALITIES[0], VBR_QUALITIES[-1]) if self.variable_rate else None
        self.rate_rises = True
        self.description = f"CompressAI zoo {architecture} (pretrained; downloaded to $TORCH_HOME/hub/checkpoints)"

    @property
    def default(self) -> bool:  # type: ignore[override]
        """In the default selection only once its weights are on disk: a plain ``oodnic run`` never downloads."""
        return not self._missing_files()

    def settings(self) -> dict[str, Any]:
        return {"metric": self.metric, **super().settings()}

    def validate(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {self.metric!r}")
        hub.zoo_file(self.architecture, self.metric, None if self.variable_rate else self.qualities[0])

    def check_quality(self, quality: float) -> None:
        self._file_quality(quality)

    def identity(self) -> str:
        return f"zoo:{self.architecture}:{self.metric}"

    def _file_quality(self, quality: float) -> int | None:
        if self.variable_rate:
            if not quality > 0:
                raise ValueError(f"{self.name} quality is a quantisation gain > 0 (e.g. 0.1 .. 1.0), not {quality}")
            return None
        if not float(quality).is_integer() or int(quality) not in self.qualities:
            raise ValueError(f"{self.name} qualities are {', '.join(map(str, self.qualities))}, not {quality}")
        return int(quality)

    def _file_qualities(self, qualities: Sequence[Quality] | None = None) -> list[int | None]:
        return [None] if self.variable_rate else [self._file_quality(q) for q in (qualities or self.qualities)]

    def _missing_files(self) -> list[Path]:
        """The ladder's weight files not yet in torch.hub's folder."""
        paths = (hub.zoo_path(self.architecture, self.metric, q) for q in self._file_qualities())
        return [p for p in paths if not p.is_file()]

    def weights_id(self, quality: float) -> str:
        return str(hub.zoo_path(self.architecture, self.metric, self._file_quality(quality)))

    def unavailable_reason(self) -> str | None:
        """None when usable: missing weights are downloaded on first use, unless ``OODNIC_OFFLINE`` forbids it."""
        try:
            self.validate()
        except ValueError as exc:
            return str(exc)
        if not offline():
            return None
        missing = self._missing_files()
        if not missing:
            return None
        return (f"pretrained weights missing and {OFFLINE_ENV}=1 forbids downloading: place "
                f"{', '.join(p.name for p in missing)} (from {hub.base_url()}/) in {missing[0].parent}")

    def fingerprint(self, qualities: Sequence[Quality] | None = None) -> dict[str, str]:
        """Full sha256 of the weight file of every quality run (default: the ladder), downloading missing ones first.

        The sha256 prefix in a zoo file name identifies the published file, but
        not a file someone placed or replaced by hand; so every file is hashed
        whole (once per size and mtime, see ``cached_digest``).
        """
        paths = [hub.fetch(self.architecture, self.metric, q) for q in self._file_qualities(qualities)]
        return {path.name: cached_digest(path) for path in paths}

    def load_model(self, quality: float) -> CompressionModel:
        path = hub.fetch(self.architecture, self.metric, self._file_quality(quality))
        from .checkpoints import load_checkpoint_model

        return load_checkpoint_model(path, self.architecture)


def zoo_codecs() -> list[ZooCodec]:
    """One codec per zoo architecture that has pretrained weights."""
    return [ZooCodec(arch) for arch in (*ZOO_QUALITIES, *VBR_ARCHITECTURES)]
