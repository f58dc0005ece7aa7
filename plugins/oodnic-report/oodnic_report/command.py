"""``oodnic report RUN_DIR``: the click command added to the ``oodnic`` group."""

from __future__ import annotations

import click


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default RUN_DIR/report).")
@click.option("--bpp", type=click.FloatRange(min=0, min_open=True),
              help="Rate at which codecs are compared (default: inside the most RD curves, nearest the median "
                   "bpp of the clean-input RD points).")
def report(run_dir: str, out: str | None, bpp: float | None) -> None:
    """Write RUN_DIR's report: report.html with RD curves, robustness tables, spectra and sample crops."""
    from .build import build_report
    from .rundata import ReportError

    try:
        result = build_report(run_dir, out, bpp)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {result.path} ({len(result.figures)} figures, {len(result.tables)} tables, "
               f"{len(result.grids)} sample grids)")
    for figure in result.figures:
        click.echo(f"  figure: {figure.title} ({figure.png})")
    for grid in result.grids:
        click.echo(f"  samples: {grid.title}")
    for skip in result.skipped:
        click.echo(f"  skipped: {skip.item}: {skip.reason}")
