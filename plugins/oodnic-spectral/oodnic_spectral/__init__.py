"""Spectral inspection for oodnic-platform: error spectra D / G / R and Fourier heat maps.

Importing this module is cheap; torch is imported when a metric is loaded or
the ``fourier-heatmap`` command runs.
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
