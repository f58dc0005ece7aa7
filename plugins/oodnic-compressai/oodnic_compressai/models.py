"""The CompressAI zoo's image architectures: classes, quality ranges, pretrained-weight files.

Names and quality ladders are listed here so that registering the codecs needs
neither torch nor CompressAI; the classes (:func:`architectures`, also
``ARCHITECTURES``) and the download URLs come from ``compressai.zoo`` on first use.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _lazy

if TYPE_CHECKING:
    from compressai.models import CompressionModel

#: fixed-rate zoo architectures with pretrained weights -> their quality ladder (compressai.zoo.image)
ZOO_QUALITIES: dict[str, tuple[int, ...]] = {
    "bmshj2018-factorized": (1, 2, 3, 4, 5, 6, 7, 8),
    "bmshj2018-hyperprior": (1, 2, 3, 4, 5, 6, 7, 8),
    "mbt2018-mean": (1, 2, 3, 4, 5, 6, 7, 8),
    "mbt2018": (1, 2, 3, 4, 5, 6, 7, 8),
    "cheng2020-anchor": (1, 2, 3, 4, 5, 6),
    "cheng2020-attn": (1, 2, 3, 4, 5, 6),
}
#: variable-rate zoo architectures with pretrained weights (compressai.zoo.image_vbr)
VBR_ARCHITECTURES: tuple[str, ...] = ("bmshj2018-hyperprior-vbr", "mbt2018-mean-vbr", "mbt2018-vbr")
#: variable-rate models whose entropy bottleneck depends on the rate (needs update(scale=...))
VBR_RATE_BOTTLENECK: frozenset[str] = frozenset({"bmshj2018-hyperprior-vbr", "mbt2018-mean-vbr"})
METRICS: tuple[str, ...] = ("mse", "ms-ssim")


def _zoo() -> tuple[Any, Any]:
    _lazy.compressai()
    from compressai.zoo import image as zoo_image
    from compressai.zoo import image_vbr as zoo_vbr

    return zoo_image, zoo_vbr


@functools.cache
def architectures() -> dict[str, type[CompressionModel]]:
    """Zoo name -> model class (fixed-rate and variable-rate architectures); imports CompressAI."""
    zoo_image, zoo_vbr = _zoo()
    return {**zoo_image.model_architectures, **zoo_vbr.model_architectures}


def __getattr__(name: str) -> Any:
    if name == "ARCHITECTURES":  # zoo name -> model class, loaded on first use
        return architectures()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def zoo_url(architecture: str, metric: str, quality: int | None) -> str:
    """CompressAI's download URL for a pretrained zoo model (``quality`` is None for -vbr)."""
    zoo_image, zoo_vbr = _zoo()
    if architecture in VBR_ARCHITECTURES:
        urls = zoo_vbr.model_urls[architecture]
        if metric not in urls:
            raise ValueError(f"{architecture} has pretrained weights only for metric {', '.join(urls)}")
        return urls[metric]
    if architecture not in ZOO_QUALITIES:
        raise ValueError(f"unknown zoo architecture {architecture!r} (known: {', '.join(sorted(architectures()))})")
    table = zoo_image.model_urls[architecture]
    if metric not in table:
        raise ValueError(f"metric must be one of {', '.join(table)}, not {metric!r}")
    if quality not in table[metric]:
        raise ValueError(f"{architecture} qualities are {', '.join(map(str, table[metric]))}, not {quality!r}")
    return table[metric][quality]


def zoo_checkpoint_path(architecture: str, metric: str, quality: int | None) -> Path:
    """Where ``torch.hub`` keeps (and CompressAI's zoo looks for) that model's weights."""
    url = zoo_url(architecture, metric, quality)
    import torch.hub

    return Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]
