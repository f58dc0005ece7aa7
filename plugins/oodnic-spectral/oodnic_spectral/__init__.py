"""Spectral inspection for oodnic-platform: error spectra D / G / R and Fourier heat maps.

Importing this module is cheap. On the CPU everything runs in numpy and
scipy.fft; torch is imported only when a metric is loaded on a CUDA device
(or a codec that needs it is loaded).
"""

from oodnic_platform import hookimpl

from .metric import SpectralMetric, default_metrics

__all__ = ["SpectralMetric"]


@hookimpl
def register_metrics(register):
    for metric in default_metrics():
        register(metric)


@hookimpl
def register_commands(cli):
    from .cli import fourier_heatmap

    cli.add_command(fourier_heatmap)
