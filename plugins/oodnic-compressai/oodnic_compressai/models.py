"""The CompressAI zoo's image architectures: classes, quality ranges, pretrained-weight files."""

from __future__ import annotations

from pathlib import Path

import torch
from compressai.models import CompressionModel
from compressai.zoo import image as zoo_image
from compressai.zoo import image_vbr as zoo_vbr

#: zoo name -> model class (fixed-rate and variable-rate architectures).
ARCHITECTURES: dict[str, type[CompressionModel]] = {
    **zoo_image.model_architectures,
    **zoo_vbr.model_architectures,
}
#: fixed-rate zoo architectures with pretrained weights -> their quality ladder
ZOO_QUALITIES: dict[str, tuple[int, ...]] = {
    arch: tuple(sorted(zoo_image.cfgs[arch])) for arch in zoo_image.model_urls
}
VBR_ARCHITECTURES: tuple[str, ...] = tuple(zoo_vbr.model_urls)
#: variable-rate models whose entropy bottleneck depends on the rate (needs update(scale=...))
VBR_RATE_BOTTLENECK: frozenset[str] = frozenset({"bmshj2018-hyperprior-vbr", "mbt2018-mean-vbr"})
METRICS: tuple[str, ...] = ("mse", "ms-ssim")


def zoo_url(architecture: str, metric: str, quality: int | None) -> str:
    """CompressAI's download URL for a pretrained zoo model (``quality`` is None for -vbr)."""
    if architecture in VBR_ARCHITECTURES:
        urls = zoo_vbr.model_urls[architecture]
        if metric not in urls:
            raise ValueError(f"{architecture} has pretrained weights only for metric {', '.join(urls)}")
        return urls[metric]
    if architecture not in ZOO_QUALITIES:
        raise ValueError(f"unknown zoo architecture {architecture!r} (known: {', '.join(sorted(ARCHITECTURES))})")
    table = zoo_image.model_urls[architecture]
    if metric not in table:
        raise ValueError(f"metric must be one of {', '.join(table)}, not {metric!r}")
    if quality not in table[metric]:
        raise ValueError(f"{architecture} qualities are {', '.join(map(str, table[metric]))}, not {quality!r}")
    return table[metric][quality]


def zoo_checkpoint_path(architecture: str, metric: str, quality: int | None) -> Path:
    """Where ``torch.hub`` keeps (and CompressAI's zoo looks for) that model's weights."""
    url = zoo_url(architecture, metric, quality)
    return Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[-1]

