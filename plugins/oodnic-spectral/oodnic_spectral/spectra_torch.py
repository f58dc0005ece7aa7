"""The operations of :class:`~.spectra.NumpyBackend` with torch on a CUDA device (same definitions)."""

from __future__ import annotations

import numpy as np
import torch

from .spectra import GREY_WEIGHTS


class TorchBackend:
    """Spectra of H x W x 3 uint8 crops with torch on ``device``; results come back as numpy arrays."""

    def __init__(self, device: str):
        self.device = str(torch.device(device))
        self.key = f"torch {self.device}"
        self.weights = torch.tensor(GREY_WEIGHTS, dtype=torch.float32, device=self.device)

    def upload(self, image: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(image)).to(self.device)

    def error_fft(self, recon: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        error = recon.permute(2, 0, 1).double() - ref.permute(2, 0, 1).double()
        return torch.fft.rfft2(error)

    def power(self, spectrum: torch.Tensor, scale: float) -> torch.Tensor:
        return (spectrum.real.square() + spectrum.imag.square()).sum(dim=0) * scale

    def normalise(self, image: torch.Tensor, mean: tuple, std: tuple) -> torch.Tensor:
        mean_t = torch.tensor(mean, dtype=torch.float32, device=self.device)
        std_t = torch.tensor(std, dtype=torch.float32, device=self.device)
        return (image.float() / 255.0 - mean_t) / std_t

    def paper(self, recon: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        grey = torch.round(recon - ref) @ self.weights
        return torch.fft.rfft2(grey.double()).abs()

    def host(self, array: torch.Tensor) -> np.ndarray:
        return array.cpu().numpy()
