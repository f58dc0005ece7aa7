"""The error-spectrum metrics: per-image band fractions and dataset-averaged spectra.

With x the clean image, x~ the codec's input (corrupted, or x itself) and x^
the reconstruction, a group of clean inputs accumulates **D** = spectrum of
x^ - x, a group of corrupted inputs **G** = spectrum of x^ - x~
(generalisation) and **R** = spectrum of x^ - x (robustness).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from oodnic_platform import Metric, Sample

from .geometry import BAND_NAMES, HalfPlane, landscape_crop

#: Per-channel mean / std (of [0, 1] pixels) of Kodak as in the paper's code (data/kodak_info.py);
#: they are the statistics of the 24 images (reproduced here to 1e-8).
KODAK_MEAN = (0.46581238, 0.43006341, 0.35991835)
KODAK_STD = (0.21588426, 0.22908859, 0.22003406)
#: The paper's CLIC statistics (data/clic_info.py).
CLIC_MEAN = (0.48456091, 0.4452615, 0.41254892)
CLIC_STD = (0.28845296, 0.27559498, 0.28540007)
MODES = ("power", "paper")
#: Kodak's landscape size, also the paper's CLIC centre crop.
DEFAULT_SIZE = (512, 768)
#: low: r < 1/8, mid: 1/8 <= r < 1/4, high: r >= 1/4 (r radial frequency, cycles/pixel).
DEFAULT_BAND_EDGES = (0.125, 0.25)


class SpectralMetric(Metric):
    """Error spectra D / G / R averaged per (codec, quality, corruption, severity) group.

    ``mode="power"``: per image, :meth:`compute` returns the fraction of error
    energy in each radial band for the error against the codec's input
    (columns ``<name>_input_low/mid/high``: D on clean rows, G on corrupted
    rows) and against the clean image (``<name>_clean_*``: D, or R).
    ``mode="paper"`` reproduces the paper's spectra and has no per-image columns.
    """

    accumulates = True
    #: ~0.2 s per 512x768 sample on a CPU: run when asked for (``--metric spectral``, the paper presets)
    default = False

    def __init__(
        self,
        name: str = "spectral",
        mode: str = "power",
        size: tuple[int, int] = DEFAULT_SIZE,
        band_edges: Sequence[float] = DEFAULT_BAND_EDGES,
        mean: Sequence[float] = KODAK_MEAN,
        std: Sequence[float] = KODAK_STD,
    ):
        self.name = name
        self.mode = mode
        self.size = (int(size[0]), int(size[1]))
        self.band_edges = tuple(float(e) for e in band_edges)
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        self.description = (
            f"error spectra ({mode} mode) D (clean input), G (x^ - corrupted), R (x^ - clean) on a "
            f"{self.size[0]}x{self.size[1]} landscape centre crop"
        )
        self.validate()
        self.plane = HalfPlane(self.size[0], self.size[1], self.band_edges)
        self.device = None
        self._last: tuple[Sample, dict[str, np.ndarray]] | None = None

    def validate(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown spectral mode {self.mode!r} (choose {', '.join(MODES)})")
        if list(self.band_edges) != sorted(self.band_edges) or not all(0 < e for e in self.band_edges):
            raise ValueError(f"band edges must be increasing and positive, got {self.band_edges}")
        if len(self.band_edges) != len(BAND_NAMES) - 1:
            raise ValueError(f"need {len(BAND_NAMES) - 1} band edges for bands {BAND_NAMES}")
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ValueError("mean and std need three values each, std > 0")

    def configure(self, **settings: Any) -> "SpectralMetric":
        """A copy with some constructor settings changed (mode, size, band_edges, mean, std, name)."""
        params = dict(name=self.name, mode=self.mode, size=self.size, band_edges=self.band_edges,
                      mean=self.mean, std=self.std)
        unknown = sorted(set(settings) - set(params))
        if unknown:
            raise ValueError(f"metric {self.name!r} has no setting {', '.join(unknown)}")
        return type(self)(**{**params, **settings})

    def load(self, device: str) -> None:
        import torch

        self.device = torch.device(device)
        self._last = None

    def _spectra(self, sample: Sample) -> dict[str, np.ndarray]:
        """Half-plane spectra of this sample, keyed D, or G and R (cached for the last sample)."""
        if self._last is not None and self._last[0] is sample:
            return self._last[1]
        if self.device is None:
            self.load("cpu")
        from .spectra import error_spectra, to_tensor  # deferred: registering the plugin must not import torch

        crop = [landscape_crop(a, self.size) for a in (sample.reconstruction, sample.input, sample.clean)]
        stacked = to_tensor(crop, self.device)  # recon, input, clean
        names, refs = (("D",), stacked[2:]) if sample.is_clean else (("G", "R"), stacked[1:])
        recon = stacked[:1]
        spectra = error_spectra(recon, refs, self.mode, self.mean, self.std)
        result = dict(zip(names, spectra))
        self._last = (sample, result)
        return result

    def compute(self, sample: Sample) -> dict[str, float] | None:
        if self.mode != "power":
            return None
        spectra = self._spectra(sample)
        against = {"input": spectra["D"], "clean": spectra["D"]} if sample.is_clean else {
            "input": spectra["G"], "clean": spectra["R"]}
        out: dict[str, float] = {}
        for ref, half in against.items():
            for band, value in zip(BAND_NAMES, self.plane.band_fractions(half)):
                out[f"{ref}_{band}"] = float(value)
        return out

    def accumulate(self, sample: Sample) -> dict[str, np.ndarray]:
        return {**self._spectra(sample), "count": np.ones(1)}

    def finalize(self, total: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Averaged spectra: ``X`` (H x W, fftshift-ed), ``X_radial``; ``X_band_fraction`` in power mode."""
        plane, count = self.plane, float(total["count"][0])
        out = {
            "count": np.asarray(total["count"]),
            "freq_y": np.fft.fftshift(np.fft.fftfreq(plane.height)),
            "freq_x": np.fft.fftshift(np.fft.fftfreq(plane.width)),
            "radial_frequency": plane.radial_frequency,
        }
        for name in ("D", "G", "R"):
            if name not in total:
                continue
            half = total[name] / count
            out[name] = plane.full_plane(half)
            out[f"{name}_radial"] = plane.radial_average(half)
            if self.mode == "power":
                out[f"{name}_band_fraction"] = plane.band_fractions(half)
        return out

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "mode": self.mode,
            "size": list(self.size),
            "geometry": "portrait transposed to landscape, then centre crop / zero pad (torchvision CenterCrop)",
            "spectra": {"D": "x^ - x, clean input", "G": "x^ - x~ (generalisation)", "R": "x^ - x (robustness)"},
            "frequency_units": "cycles/pixel; X arrays fftshift-ed with axes freq_y, freq_x",
            "band_edges": list(self.band_edges),
            "bands": list(BAND_NAMES),
            "radial_bin_width": self.plane.radial_step,
        }
        if self.mode == "power":
            meta["units"] = "|F(e)|^2/(H W), e the per-channel error in [0, 1] units, channel mean; plane mean = MSE"
        else:
            meta["units"] = "|fftshift(fft2(rgb2gray(round((x^ - x) / std))))|, summed over images / count"
            meta["mean"], meta["std"] = list(self.mean), list(self.std)
        return meta


def default_metrics() -> list[SpectralMetric]:
    """``spectral`` (power), ``spectral_paper`` (Kodak statistics), ``spectral_paper_clic`` (CLIC statistics)."""
    return [
        SpectralMetric("spectral", "power"),
        SpectralMetric("spectral_paper", "paper", mean=KODAK_MEAN, std=KODAK_STD),
        SpectralMetric("spectral_paper_clic", "paper", mean=CLIC_MEAN, std=CLIC_STD),
    ]
