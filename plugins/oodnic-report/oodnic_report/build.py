"""Assemble the report: read the run, analyse, draw every section the data allows, write the page."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .analysis import analyse
from .bdrate import bd_section, resolve_anchor
from .context import FIGURES, Context, Options
from .fourier import fourier_section
from .headline import headline_section
from .html import render
from .model import CropGrid, Figure, Section, Skip, Table, TileGrid
from .overview import overview_section
from .paper_spectra import paper_spectra_section
from .plotting import style
from .rd_figures import rd_section
from .robustness import robustness_section
from .ratematch import RateMatch, rate_matches
from .robustness_targets import robustness_targets_section
from .rundata import Selection, load_run
from .samples import FOLDER as SAMPLES
from .samples import samples_section
from .spectra_section import spectra_section
from .speed import speed_section

PAGE = "report.html"
log = logging.getLogger(__name__)


@dataclass
class Report:
    path: Path
    figures: list[Figure]
    tables: list[Table]
    grids: list[CropGrid | TileGrid]
    skipped: list[Skip]
    anchor: str | None


def build_report(run_dir: str | Path, out: str | Path | None = None, bpp: float | None = None,
                 options: Options | None = None) -> Report:
    """Write ``report.html``, its figures (PNG + SVG) and CSV tables into ``out`` (default RUN_DIR/report)."""
    run_dir, options = Path(run_dir), options or Options()
    data = load_run(run_dir, options.selection)
    try:
        out = Path(out) if out is not None else run_dir / "report"
        ctx = Context(data, analyse(data.rows, data.images, bpp), out, options)
        anchor = resolve_anchor(ctx)  # a wrong --anchor is reported before anything is written
        clear_previous(out)
        for item, reason in ctx.analysis.notes:
            ctx.skip(item, reason)
        matches = rate_matches(data.run, data.rows + data.error_rows)
        robustness = (lambda c: robustness_targets_section(c, matches)) if matches else robustness_section
        builders: tuple[Callable[[Context], Section], ...] = (
            overview_section, headline_section, lambda c: bd_section(c, anchor), robustness, rd_section,
            spectra_section, paper_spectra_section, fourier_section, samples_section, speed_section)
        sections = []
        with style():
            for builder in builders:
                start = time.perf_counter()
                section = builder(ctx)
                log.info("%s: %.1f s", section.title, time.perf_counter() - start)
                if section.items:
                    sections.append(section)
        for name in data.run.missing_arrays():
            ctx.skip(f"array {name}", "listed by the run but the file is missing")
        title = f"oodnic report: {run_dir.resolve().name}"
        (out / PAGE).write_text(render(title, facts(ctx, anchor, matches), sections, ctx.skipped))
    finally:
        data.close()
    items = [item for s in sections for item in s.items]
    return Report(out / PAGE, [i for i in items if isinstance(i, Figure)], [i for i in items if isinstance(i, Table)],
                  [i for i in items if isinstance(i, (CropGrid, TileGrid))], ctx.skipped, anchor)


def clear_previous(out: Path) -> None:
    """Remove what an earlier report wrote into ``out`` (only when ``out`` holds one)."""
    if not (out / PAGE).is_file():
        out.mkdir(parents=True, exist_ok=True)
        return
    for folder in (FIGURES, SAMPLES):
        shutil.rmtree(out / folder, ignore_errors=True)
    for csv in out.glob("*.csv"):
        csv.unlink()


def targets_text(matches: list[RateMatch]) -> str:
    if not matches:
        return "none (fixed qualities only)"
    targets = ", ".join(f"{t:g}" for t in sorted({m.target_bpp for m in matches}))
    return f"{targets} bpp ({len(matches)} rate matches: see Robustness at target rates)"


def selection_text(selection: Selection) -> str:
    parts = [f"the run's first {selection.images} images"] if selection.images is not None else []
    if selection.severities is not None:
        parts.append(f"severities {', '.join(map(str, selection.severities))} (and the clean input)")
    if selection.skip_codecs:
        parts.append(f"without {', '.join(selection.skip_codecs)}")
    return "; ".join(parts) + ". Array sections (spectra, heat maps) are summed by the run over every row it coded."


def facts(ctx: Context, anchor: str | None, matches: list[RateMatch]) -> list[tuple[str, str]]:
    data, analysis = ctx.data, ctx.analysis
    severities = ", ".join(map(str, analysis.severities())) or "none"
    baselines = f"; lossless baselines: {', '.join(analysis.baselines)}" if analysis.baselines else ""
    return [
        ("Dataset", f"{', '.join(data.datasets)}: {len(analysis.images)} images"),
        *([("Rows selected", selection_text(ctx.options.selection))] if ctx.options.selection else []),
        ("Codecs", ", ".join(analysis.codecs) + baselines),
        ("Corruptions", f"{len(analysis.corruptions)} ({', '.join(analysis.corruptions) or 'clean input only'}); "
                        f"severities {severities}"),
        ("Result rows", f"{len(data.rows)} ok, {len(data.error_rows)} failed"),
        ("Target rates", targets_text(matches)),
        ("Matched rate", f"{analysis.bpp:.4g} bpp ({analysis.bpp_source})"),
        ("BD anchor", anchor or "none (see Skipped)"),
        ("Uncertainty", f"95% bootstrap intervals over images, {ctx.options.resamples} resamples, seed "
                        f"{ctx.options.seed}"),
        ("Source", "the run folder, read through oodnic_platform.results"),
    ]
