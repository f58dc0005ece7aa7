"""oodnic-report: ``oodnic report RUN_DIR`` turns a run's results store into an offline HTML page.

The report reads only the run directory: ``results.sqlite`` (tables ``results``,
``arrays`` and ``runs``), the ``.npz`` files the ``arrays`` table points to, Fourier
heat map outputs and sample crops found there.
"""

from __future__ import annotations

from oodnic_platform import hookimpl


@hookimpl
def register_commands(cli) -> None:
    from .command import report

    cli.add_command(report)
