"""The documented layout of the spectral metrics' saved arrays (``metadata()["layout"]``).

Readers rebuild the full plane from this text alone, without importing the plugin.
"""

from __future__ import annotations

from typing import Any

#: 1: full fftshift-ed float64 planes ``X``; 2: float32 rfft2 half-planes ``X_half``.
LAYOUT_VERSION = 2


def describe_layout(size: tuple[int, int], bits: int) -> dict[str, Any]:
    """Keys, shapes, dtypes and the unfolding rule of the arrays for an H x W spectrum."""
    height, width = size
    half = width // 2 + 1
    return {
        "layout_version": LAYOUT_VERSION,
        "arrays": {
            "X_half": (
                f"X in D, G, R: float32 ({height}, {half}), the group mean of spectrum X on the rfft2 half-plane: "
                f"row i has frequency freq_y[i] = numpy.fft.fftfreq({height})[i] (DC first, not shifted), "
                f"column j has freq_x[j] = j / {width}; mantissa rounded to {bits} bits; absent with planes=false"
            ),
            "X_radial": "float64: mean of X over the full-plane bins of each radial bin (NaN for an empty bin)",
            "X_band_fraction": "float64 (3,): share of X's full-plane sum in the low, mid, high bands",
            "radial_frequency": "float64: centre of each radial bin, cycles/pixel (bin 0 is DC alone)",
            "freq_y": f"float64 ({height},): numpy.fft.fftfreq({height}), cycles/pixel (with the planes)",
            "freq_x": f"float64 ({half},): numpy.fft.rfftfreq({width}), cycles/pixel (with the planes)",
            "count": "float64 (1,): images averaged",
        },
        "unfold": (
            f"full[i, j] = X_half[i, j] for 0 <= j <= {width // 2}; full[i, j] = X_half[(-i) mod {height}, {width} - j] "
            f"for {width // 2} < j < {width}; full ({height}, {width}) is in numpy.fft.fft2 order and "
            f"numpy.fft.fftshift(full) puts DC at row {height // 2}, column {width // 2}"
        ),
        "mantissa_bits": bits,
        "relative_precision": 2.0 ** -(bits + 1),
    }
