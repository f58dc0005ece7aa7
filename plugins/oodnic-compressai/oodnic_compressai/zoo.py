"""CompressAI's pretrained zoo models, one codec per architecture.

Weights are the zoo's own files, looked up where ``torch.hub`` (and so
``compressai.zoo``) keeps them: ``$TORCH_HOME/hub/checkpoints/<file name of the
zoo URL>``. Nothing is ever downloaded here: a missing file makes the codec
unavailable with one line naming the file and the folder to put it in. The file
is read with ``weights_only=True`` (compressai.zoo's own loader unpickles
freely), renamed with ``compressai.zoo.load_state_dict`` and built with the
architecture's ``from_state_dict``, exactly as the zoo does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .codec import CompressAICodec
from .models import METRICS, VBR_ARCHITECTURES, ZOO_QUALITIES, zoo_checkpoint_path, zoo_url

#: default ladder of a -vbr model's quality: the quantisation gain (1 / step size), CompressAI's initial gains
VBR_QUALITIES = (0.1, 0.139, 0.193, 0.269, 0.373, 0.518, 0.72, 1.0)

if TYPE_CHECKING:  # torch and compressai are imported only when weights are looked up or loaded
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
        self.description = f"CompressAI zoo {architecture} (pretrained; weights from $TORCH_HOME/hub/checkpoints)"

    def settings(self) -> dict[str, Any]:
        return {"metric": self.metric, **super().settings()}

    def validate(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {', '.join(METRICS)}, not {self.metric!r}")
        zoo_url(self.architecture, self.metric, None if self.variable_rate else self.qualities[0])

    def identity(self) -> str:
        return f"zoo:{self.architecture}:{self.metric}"

    def _file_quality(self, quality: float) -> int | None:
        if self.variable_rate:
            if not quality > 0:
                raise ValueError(f"{self.name} quality is a quantisation gain > 0 (e.g. 0.1 .. 1.0), not {quality}")
            return None
        if not float(quality).is_integer():
            raise ValueError(f"{self.name} qualities are {', '.join(map(str, self.qualities))}, not {quality}")
        return int(quality)

    def weights_id(self, quality: float) -> str:
        return str(zoo_checkpoint_path(self.architecture, self.metric, self._file_quality(quality)))

    def unavailable_reason(self) -> str | None:
        try:
            self.validate()
        except ValueError as exc:
            return str(exc)
        qualities = [None] if self.variable_rate else self.qualities
        paths = [zoo_checkpoint_path(self.architecture, self.metric, q) for q in qualities]
        missing = [p for p in paths if not p.is_file()]
        if not missing:
            return None
        source = zoo_url(self.architecture, self.metric, qualities[0]).rsplit("/", 1)[0]
        return (f"pretrained weights missing: place {', '.join(p.name for p in missing)} "
                f"(from {source}/) in {missing[0].parent} (or set TORCH_HOME)")

    def load_model(self, quality: float) -> CompressionModel:
        file_quality = self._file_quality(quality)
        path = zoo_checkpoint_path(self.architecture, self.metric, file_quality)
        if not path.is_file():
            raise FileNotFoundError(f"pretrained weights missing: place {path.name} "
                                    f"(from {zoo_url(self.architecture, self.metric, file_quality)}) in {path.parent}")
        from .checkpoints import load_checkpoint_model

        return load_checkpoint_model(path, self.architecture)


def zoo_codecs() -> list[ZooCodec]:
    """One codec per zoo architecture that has pretrained weights."""
    return [ZooCodec(arch) for arch in (*ZOO_QUALITIES, *VBR_ARCHITECTURES)]
