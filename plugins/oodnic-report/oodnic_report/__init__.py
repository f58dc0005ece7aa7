"""oodnic-report: ``oodnic report RUN_DIR`` turns a run folder into an offline HTML page and CSV tables.

The report reads the run only through the public results API
(:mod:`oodnic_platform.results`): rows, array groups with their metadata, and
sample crops.
"""

from __future__ import annotations

from oodnic_platform import hookimpl


@hookimpl
def register_commands(cli) -> None:
    from .command import report

    cli.add_command(report)
