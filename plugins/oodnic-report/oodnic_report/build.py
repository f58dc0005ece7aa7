"""Assemble the report: read the store, analyse, draw every section the data allows, write the page."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .analysis import analyse
from .context import FIGURES, Context
from .fourier import fourier_section
from .html import render
from .model import Figure, ImageGrid, Section, Skip, Table
from .overview import overview_section
from .plotting import style
from .rd_figures import rd_section
from .robustness import robustness_section
from .rundata import ReportError, load_run
from .samples import FOLDER as SAMPLES
from .samples import samples_section
from .spectra import spectra_section

PAGE = "report.html"
BUILDERS: tuple[Callable[[Context], Section], ...] = (
    overview_section, rd_section, robustness_section, spectra_section, fourier_section, samples_section,
)


@dataclass
class Report:
    path: Path
    figures: list[Figure]
    tables: list[Table]
    grids: list[ImageGrid]
    skipped: list[Skip]


def build_report(run_dir: str | Path, out: str | Path | None = None, bpp: float | None = None) -> Report:
    """Write ``report.html``, its figures (PNG + SVG) and CSV tables into ``out`` (default RUN_DIR/report)."""
    run_dir = Path(run_dir)
    data = load_run(run_dir)
    if not data.rows:
        raise ReportError(f"{run_dir}: all {len(data.error_rows)} result rows failed; nothing to plot")
    out = Path(out) if out is not None else run_dir / "report"
    clear_previous(out)
    ctx = Context(data, analyse(data.rows, bpp), out)
    sections = []
    with style():
        for builder in BUILDERS:
            sections.append(builder(ctx))
    for name in data.missing_arrays:
        ctx.skip(f"array {name}", "listed in the arrays table but the file is missing")
    sections = [s for s in sections if s.items]
    (out / PAGE).write_text(render(f"oodnic report: {run_dir.resolve().name}", facts(ctx), sections, ctx.skipped))
    items = [item for s in sections for item in s.items]
    return Report(out / PAGE, [i for i in items if isinstance(i, Figure)], [i for i in items if isinstance(i, Table)],
                  [i for i in items if isinstance(i, ImageGrid)], ctx.skipped)


def clear_previous(out: Path) -> None:
    """Remove what an earlier report wrote into ``out`` (only when ``out`` holds one)."""
    if not (out / PAGE).is_file():
        out.mkdir(parents=True, exist_ok=True)
        return
    for folder in (FIGURES, SAMPLES):
        shutil.rmtree(out / folder, ignore_errors=True)
    for csv in out.glob("*.csv"):
        csv.unlink()


def facts(ctx: Context) -> list[tuple[str, str]]:
    data, analysis = ctx.data, ctx.analysis
    severities = ", ".join(map(str, analysis.severities)) or "none"
    return [
        ("Dataset", f"{', '.join(data.datasets)}: {len(data.images)} images"),
        ("Codecs", ", ".join(analysis.codecs)),
        ("Corruptions", f"{len(analysis.corruptions)} ({', '.join(analysis.corruptions) or 'clean input only'}); "
                        f"severities {severities}"),
        ("Result rows", f"{len(data.rows)} ok, {len(data.error_rows)} failed"),
        ("Matched rate", f"{analysis.bpp:.4g} bpp ({analysis.bpp_source})"),
        ("Sources", "results.sqlite (results, arrays, runs), arrays/*.npz, samples/, fourier_heatmap_*.npz"),
    ]
