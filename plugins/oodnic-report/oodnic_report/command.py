"""``oodnic report RUN_DIR``: the click command added to the ``oodnic`` group."""

from __future__ import annotations

from pathlib import Path

import click
from oodnic_platform import check_output_dir, parse_int_list


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--out", type=click.Path(file_okay=False), help="Output folder (default RUN_DIR/report).")
@click.option("--bpp", type=click.FloatRange(min=0, min_open=True),
              help="Rate at which codecs are compared (default: inside the most RD curves, nearest the median "
                   "bpp of the clean-input RD points).")
@click.option("--anchor", help="Codec every BD-rate is computed against (default: jpeg, when run).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap resamples over images.")
@click.option("--resamples", type=click.IntRange(min=100), default=1000, show_default=True,
              help="Bootstrap resamples for the confidence intervals.")
@click.option("--log-bpp", is_flag=True, help="Draw the RD figures on a logarithmic bpp axis.")
@click.option("--tile-scale", type=click.Choice(["kind", "per-tile"]), default="kind", show_default=True,
              help="Spectrum tiles on one colour scale per spectrum kind across codecs, or each on its own.")
@click.option("--images", type=click.IntRange(min=1),
              help="Report only the rows of the run's first N images (by name), e.g. a subset every input has.")
@click.option("--severity", help="Report only these comma-separated severities (and the clean input).")
@click.option("--skip-codec", "skip_codecs", multiple=True, metavar="NAME",
              help="Leave a codec of the run out of the report (repeatable).")
def report(run_dir: str, out: str | None, bpp: float | None, anchor: str | None, seed: int, resamples: int,
           log_bpp: bool, tile_scale: str, images: int | None, severity: str | None,
           skip_codecs: tuple[str, ...]) -> None:
    """Write RUN_DIR's report: report.html with RD curves, BD-rates, robustness tables, spectra and sample crops."""
    from .build import build_report
    from .context import Options
    from .rundata import Selection

    severities = tuple(parse_int_list(severity, "--severity")) if severity else None
    check_output_dir(out if out is not None else Path(run_dir) / "report", "--out" if out else "report folder")
    result = build_report(run_dir, out, bpp, Options(anchor=anchor, resamples=resamples, seed=seed, log_bpp=log_bpp,
                                                         per_tile_scale=tile_scale == "per-tile",
                                                         selection=Selection(images, skip_codecs, severities)))
    click.echo(f"wrote {result.path} ({len(result.figures)} figures, {len(result.tables)} tables, "
               f"{len(result.grids)} sample grids; BD anchor {result.anchor or 'none'})")
    for skip in result.skipped:
        click.echo(f"  skipped: {skip.item}: {skip.reason}")
