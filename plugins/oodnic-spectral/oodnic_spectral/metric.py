"""The error-spectrum metrics: per-image band fractions and dataset-averaged spectra.

With x the clean image, x~ the codec's input (corrupted, or x itself) and x^
the reconstruction, a group of clean inputs accumulates **D** = spectrum of
x^ - x, a group of corrupted inputs **G** = spectrum of x^ - x~
(generalisation) and **R** = spectrum of x^ - x (robustness).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from oodnic_platform import Metric, Sample

from .cache import CACHE
from .geometry import BAND_NAMES, HalfPlane, fractions, round_mantissa
from .layout import describe_layout
from .spectra import NumpyBackend, power_scale

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
#: Explicit mantissa bits kept in the saved float32 planes (relative error <= 2**-(bits+1)).
MANTISSA_BITS = 8
SPECTRA = ("D", "G", "R")


@lru_cache(maxsize=8)
def half_plane(height: int, width: int, band_edges: tuple[float, ...]) -> HalfPlane:
    """One shared :class:`HalfPlane` per geometry (its tables are computed once per process)."""
    return HalfPlane(height, width, band_edges)


def make_backend(device: str) -> Any:
    """numpy / scipy.fft on ``cpu``; torch (imported here, only then) on ``cuda`` / ``cuda:N``."""
    if device == "cpu":
        return NumpyBackend()
    if device.startswith("cuda"):
        from .spectra_torch import TorchBackend

        return TorchBackend(device)
    raise ValueError(f"spectral metrics run on cpu or cuda, not {device!r}")


class SpectralMetric(Metric):
    """Error spectra D / G / R averaged per (codec, quality, corruption, severity) group.

    ``mode="power"``: per image, :meth:`compute` returns the fraction of error
    energy in each radial band for the error against the codec's input
    (columns ``<name>_input_low/mid/high``: D on clean rows, G on corrupted
    rows) and against the clean image (``<name>_clean_*``: D, or R).
    ``mode="paper"`` reproduces the paper's spectra and has no per-image columns;
    its arrays hold radial profiles and band fractions as power mode's do.
    Setting ``planes`` (default true): keep the 2-D spectra; false keeps only
    radial profiles and band fractions (contributions of a few kB per group).
    """

    accumulates = True
    #: 20-40 ms per 512x768 sample on a CPU core: run when asked for (``--metric spectral``, the paper presets)
    default = False

    def __init__(
        self,
        name: str = "spectral",
        mode: str = "power",
        size: tuple[int, int] = DEFAULT_SIZE,
        band_edges: Sequence[float] = DEFAULT_BAND_EDGES,
        mean: Sequence[float] = KODAK_MEAN,
        std: Sequence[float] = KODAK_STD,
        planes: bool = True,
    ):
        self.name = name
        self.mode = mode
        self.size = (int(size[0]), int(size[1]))
        self.band_edges = tuple(float(e) for e in band_edges)
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        self.planes = planes
        self.description = (
            f"error spectra ({mode} mode) D (clean input), G (x^ - corrupted), R (x^ - clean) on a "
            f"{self.size[0]}x{self.size[1]} landscape centre crop"
        )
        self.validate()
        self.backend: Any = None
        self._last: tuple[Sample, dict[str, np.ndarray]] | None = None

    @property
    def plane(self) -> HalfPlane:
        return half_plane(*self.size, self.band_edges)

    def settings(self) -> dict[str, Any]:
        return {"planes": self.planes}

    def version(self) -> str:
        """Array layout 2: float32 half-planes ``<X>_half`` (layout 1 saved full float64 planes ``<X>``)."""
        return "2"

    def validate(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown spectral mode {self.mode!r} (choose {', '.join(MODES)})")
        if list(self.band_edges) != sorted(self.band_edges) or not all(0 < e for e in self.band_edges):
            raise ValueError(f"band edges must be increasing and positive, got {self.band_edges}")
        if len(self.band_edges) != len(BAND_NAMES) - 1:
            raise ValueError(f"need {len(BAND_NAMES) - 1} band edges for bands {BAND_NAMES}")
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ValueError("mean and std need three values each, std > 0")
        if min(self.size) < 2:
            raise ValueError(f"spectral size must be at least 2 x 2, got {self.size}")
        if not isinstance(self.planes, bool):
            raise ValueError(f"planes must be true or false, not {self.planes!r}")

    def load(self, device: str) -> None:
        self.backend = make_backend(device)
        self._last = None

    def _spectra(self, sample: Sample) -> dict[str, np.ndarray]:
        """Half-plane spectra of this sample, keyed D, or G and R (kept for the last sample)."""
        if self._last is not None and self._last[0] is sample:
            return self._last[1]
        if self.backend is None:
            self.load("cpu")
        backend = self.backend
        entry = CACHE.image(sample, self.size, backend)
        memo = CACHE.sample(sample, self.size, backend)
        recon = memo["recon"]
        if self.mode == "power":
            scale = power_scale(*self.size)
            if sample.is_clean:
                spectra = {"D": backend.power(backend.error_fft(recon, entry.clean_crop), scale)}
            else:
                given = backend.error_fft(recon, entry.input_crop)
                corruption = entry.get("corruption_fft", lambda: backend.error_fft(entry.input_crop, entry.clean_crop))
                spectra = {"G": backend.power(given, scale)}
                given += corruption  # F(x^ - x~) + F(x~ - x) = F(x^ - x)
                spectra["R"] = backend.power(given, scale)
        else:
            stats = (self.mean, self.std)
            if stats not in memo:
                memo[stats] = backend.normalise(recon, *stats)
            clean = entry.get(f"clean {stats}", lambda: backend.normalise(entry.clean_crop, *stats))
            if sample.is_clean:
                spectra = {"D": backend.paper(memo[stats], clean)}
            else:
                given = entry.get(f"input {stats}", lambda: backend.normalise(entry.input_crop, *stats))
                spectra = {"G": backend.paper(memo[stats], given), "R": backend.paper(memo[stats], clean)}
        result = {key: backend.host(value) for key, value in spectra.items()}
        self._last = (sample, result)
        return result

    def compute(self, sample: Sample) -> dict[str, float | None] | None:
        """Band fractions of D (clean input) or G and R; None where the error is zero (a lossless row)."""
        if self.mode != "power":
            return None
        spectra = self._spectra(sample)
        against = {"input": spectra["D"], "clean": spectra["D"]} if sample.is_clean else {
            "input": spectra["G"], "clean": spectra["R"]}
        out: dict[str, float | None] = {}
        for ref, half in against.items():
            for band, value in zip(BAND_NAMES, self.plane.band_fractions(half)):
                out[f"{ref}_{band}"] = float(value) if np.isfinite(value) else None
        return out

    def accumulate(self, sample: Sample) -> dict[str, np.ndarray]:
        """float64 half-planes ``X`` (planes), or ``X_radial_sum`` and ``X_band_sum``, and ``count``."""
        out = {"count": np.ones(1)}
        for key, half in self._spectra(sample).items():
            if self.planes:
                out[key] = half
            else:
                out[f"{key}_radial_sum"] = self.plane.radial_sums(half)
                out[f"{key}_band_sum"] = self.plane.band_sums(half)
        return out

    def finalize(self, total: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Group means in the layout :meth:`metadata` describes (``layout.describe_layout``)."""
        plane, count = self.plane, float(total["count"][0])
        out: dict[str, np.ndarray] = {"count": np.asarray(total["count"]), "radial_frequency": plane.radial_frequency}
        for key in SPECTRA:
            if key in total:
                half = total[key] / count
                out[f"{key}_half"] = round_mantissa(half, MANTISSA_BITS)
                radial, bands = plane.radial_sums(half), plane.band_sums(half)
                out["freq_y"], out["freq_x"] = plane.freq_y, plane.freq_x
            elif f"{key}_radial_sum" in total:
                radial, bands = total[f"{key}_radial_sum"] / count, total[f"{key}_band_sum"] / count
            else:
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"{key}_radial"] = radial / plane.radial_counts
            out[f"{key}_band_fraction"] = fractions(bands)
        return out

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "mode": self.mode,
            "size": list(self.size),
            "geometry": "portrait transposed to landscape, then centre crop / zero pad (torchvision CenterCrop)",
            "spectra": {"D": "x^ - x, clean input", "G": "x^ - x~ (generalisation)", "R": "x^ - x (robustness)"},
            "band_edges": list(self.band_edges),
            "bands": list(BAND_NAMES),
            "radial_bin_width": self.plane.radial_step,
            **describe_layout(self.size, MANTISSA_BITS),
        }
        if self.mode == "power":
            meta["units"] = "|F(e)|^2/(H W), e the per-channel error in [0, 1] units, channel mean; plane mean = MSE"
        else:
            meta["units"] = "|fft2(rgb2gray(round(norm(x^) - norm(x))))|, norm(v) = (v/255 - mean)/std; image mean"
            meta["mean"], meta["std"] = list(self.mean), list(self.std)
        return meta


def default_metrics() -> list[SpectralMetric]:
    """``spectral`` (power), ``spectral_paper`` (Kodak statistics), ``spectral_paper_clic`` (CLIC statistics)."""
    return [
        SpectralMetric("spectral", "power"),
        SpectralMetric("spectral_paper", "paper", mean=KODAK_MEAN, std=KODAK_STD),
        SpectralMetric("spectral_paper_clic", "paper", mean=CLIC_MEAN, std=CLIC_STD),
    ]
