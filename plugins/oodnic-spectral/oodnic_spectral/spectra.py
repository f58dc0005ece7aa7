"""Error spectra on a torch device, as rfft2 half-planes (H, W//2+1) in float64.

Two definitions (``mode``):

- ``power``: ``|F(e_c)|^2 / (H W)`` of each channel's error ``e_c`` in [0, 1]
  units, averaged over the three channels. By Parseval the mean over the full
  plane equals the error's MSE, so spectra of different codecs add up and
  compare physically.
- ``paper``: what Lieberman et al. (2023) compute: each image normalised per
  channel by the dataset mean/std (float32, as torchvision's ``ToTensor`` and
  ``Normalize`` do), the normalised difference rounded with ``np.round``
  semantics (half to even), turned grey with scikit-image's ``rgb2gray``
  weights, and the magnitude ``|fft2(grey)|`` taken (not squared, not scaled).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

#: scikit-image ``rgb2gray`` weights (Rec. 709 luma).
GREY_WEIGHTS = (0.2125, 0.7154, 0.0721)


def to_tensor(images: Sequence[np.ndarray], device: torch.device) -> torch.Tensor:
    """HxWx3 uint8 arrays -> (N, 3, H, W) uint8 tensor on ``device``."""
    stacked = torch.from_numpy(np.stack(images))
    return stacked.to(device).permute(0, 3, 1, 2).contiguous()


def power_spectra(recon: torch.Tensor, refs: torch.Tensor) -> torch.Tensor:
    """Channel-mean ``|rfft2|^2 / (H W)`` of ``(recon - ref) / 255`` for each ref: (N, H, W//2+1) float64."""
    error = recon.float() - refs.float()
    channels, height, width = error.shape[-3:]
    spectrum = torch.view_as_real(torch.fft.rfft2(error))
    power = (spectrum * spectrum).sum(dim=(-1, 1))
    return power.double() / (channels * 255.0**2 * height * width)


def paper_spectra(recon: torch.Tensor, refs: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """``|fft2(rgb2gray(round(norm(recon) - norm(ref))))|`` for each ref: (N, H, W//2+1) float64."""
    mean_t = torch.tensor(mean, dtype=torch.float32, device=refs.device)[:, None, None]
    std_t = torch.tensor(std, dtype=torch.float32, device=refs.device)[:, None, None]

    def normalise(images: torch.Tensor) -> torch.Tensor:
        return (images.float() / 255.0 - mean_t) / std_t

    diff = torch.round(normalise(recon) - normalise(refs))
    weights = torch.tensor(GREY_WEIGHTS, dtype=torch.float32, device=refs.device)
    grey = torch.einsum("nchw,c->nhw", diff, weights)
    return torch.fft.rfft2(grey.double()).abs()


def error_spectra(
    recon: torch.Tensor, refs: torch.Tensor, mode: str, mean: Sequence[float], std: Sequence[float]
) -> np.ndarray:
    """Half-plane spectra of ``recon`` (1, 3, H, W) against each of ``refs`` (N, 3, H, W), on the host."""
    if mode == "power":
        spectra = power_spectra(recon, refs)
    elif mode == "paper":
        spectra = paper_spectra(recon, refs, mean, std)
    else:
        raise ValueError(f"unknown spectral mode {mode!r}")
    return spectra.cpu().numpy()
