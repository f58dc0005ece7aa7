"""The architectures this plugin builds: names and ladders without torch, classes on first use.

Names, quality ladders and weight files are plain data here (see
:mod:`.zoo_table`) so that registering the codecs needs neither torch nor
CompressAI; the classes (:func:`architectures`) are imported on first use.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from . import _lazy
from .zoo_table import FIXED_RATE, VARIABLE_RATE

if TYPE_CHECKING:
    from compressai.models import CompressionModel

#: fixed-rate zoo architectures with pretrained weights -> their quality ladder
ZOO_QUALITIES: dict[str, tuple[int, ...]] = {
    arch: tuple(range(1, len(files["mse"]) + 1)) for arch, files in FIXED_RATE.items()
}
#: variable-rate zoo architectures with pretrained weights (compressai.zoo.image_vbr)
VBR_ARCHITECTURES: tuple[str, ...] = tuple(VARIABLE_RATE)
#: variable-rate models whose entropy bottleneck depends on the rate (needs update(scale=...))
VBR_RATE_BOTTLENECK: frozenset[str] = frozenset({"bmshj2018-hyperprior-vbr", "mbt2018-mean-vbr"})
METRICS: tuple[str, ...] = ("mse", "ms-ssim")
#: architectures without pretrained weights: ELIC (CompressAI's registry) and the paper's lambda-conditioned hyperprior
ELIC_ARCHITECTURES: tuple[str, ...] = ("elic2022-official", "elic2022-chandelier")
LAMBDA_ARCHITECTURE = "bmshj2018-hyperprior-lambda"
#: every architecture name a checkpoint may give (checked without importing anything)
ARCHITECTURE_NAMES: tuple[str, ...] = (
    *ZOO_QUALITIES, "bmshj2018_factorized_relu", *VBR_ARCHITECTURES, *ELIC_ARCHITECTURES, LAMBDA_ARCHITECTURE,
)


@functools.cache
def architectures() -> dict[str, type[CompressionModel]]:
    """Architecture name -> model class (zoo, -vbr, ELIC, lambda-conditioned); imports CompressAI."""
    _lazy.compressai()
    from compressai.models.sensetime import Elic2022Chandelier, Elic2022Official
    from compressai.zoo import image as zoo_image
    from compressai.zoo import image_vbr as zoo_vbr

    from .lambda_model import ScaleHyperpriorLambda

    return {**zoo_image.model_architectures, **zoo_vbr.model_architectures,
            "elic2022-official": Elic2022Official, "elic2022-chandelier": Elic2022Chandelier,
            LAMBDA_ARCHITECTURE: ScaleHyperpriorLambda}


def __getattr__(name: str) -> Any:
    if name == "ARCHITECTURES":  # architecture name -> model class, loaded on first use
        return architectures()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
