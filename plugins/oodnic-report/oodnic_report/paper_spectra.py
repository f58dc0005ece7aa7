"""The paper's error-spectrum maps: per corruption, D on clean input, then G and R at each severity, per codec.

Lieberman et al. (2023) show D / G / R as 2-D maps (ood_nic's
``visualize/visualize.py``, ``plot_psd``: the fftshift-ed plane, a linear
``jet`` colour scale shared by the maps compared). This section draws them for
every metric that computes the paper's spectra (``metadata()["mode"] ==
"paper"``, e.g. ``spectral_paper``): one grid per corruption, rows codec x
{G, R}, columns D (clean input) then each severity, one linear colour scale per
grid. Each codec is shown at its matched quality, as in the error-spectra section.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .context import FIGURES, Context
from .model import Section, Tile, TileGrid
from .spectra import MAX_CELL, MetricSpectra, Spectrum, collect
from .tiles import save_png

PAPER_MODE = "paper"
CMAP = "jet"
#: A grid's colour scale runs from 0 to this percentile of its values; brighter ones (the DC) saturate.
TOP_PERCENTILE = 99.5
TITLE = "The paper's error spectra"


def paper_spectra_section(ctx: Context) -> Section:
    section = Section(TITLE)
    metrics = [m for m in ctx.data.array_metrics() if ctx.data.arrays(m)[0].metadata().get("mode") == PAPER_MODE]
    if not metrics:
        ctx.skip(f"{TITLE} (D, G, R maps)", "no metric saved the paper's spectra (run with --metric spectral_paper)")
        return section
    for metric in metrics:
        spectra = collect(ctx, metric)
        if spectra is None:
            ctx.skip(f"{TITLE} of {metric}", "no readable group at the codecs' matched qualities")
            continue
        for corruption in ctx.analysis.corruptions or [None]:
            grid = corruption_grid(ctx, spectra, corruption)
            if grid is not None:
                section.items.append(grid)
    return section


def corruption_grid(ctx: Context, spectra: MetricSpectra, corruption: str | None) -> TileGrid | None:
    """Rows codec x (G, R) (codec alone without corruption), columns D on clean input and each severity."""
    analysis = ctx.analysis
    severities = analysis.severities(corruption) if corruption else []
    columns = ("clean: D", *(f"{corruption} s{s}" for s in severities))
    kinds = ("G", "R") if corruption else ("D",)
    layout: list[tuple[str, str, list[Spectrum | None]]] = []
    for codec in spectra.codecs():
        clean = spectra.cells.get((codec, analysis.clean, "D")) if analysis.clean else None
        for kind in kinds:
            cells = [clean] + [spectra.cells.get((codec, (corruption, s), kind)) for s in severities]
            layout.append((f"{codec}: {kind}" if corruption else codec, codec, cells))
    planes = [cell.plane for _, _, cells in layout for cell in cells if cell is not None and cell.plane is not None]
    title = f"{spectra.metric}: D, G and R on {corruption}" if corruption else f"{spectra.metric}: D on clean input"
    if not planes:
        ctx.skip(title, "its groups keep radial profiles only (planes=false)")
        return None
    top = float(np.percentile(np.concatenate([p.ravel() for p in planes]), TOP_PERCENTILE)) or 1.0
    folder = ctx.out / FIGURES / "tiles"
    stem = f"paper-{spectra.metric}-{corruption or 'clean'}"
    rows, gaps = [], 0
    for label, codec, cells in layout:
        tiles = []
        for column, cell in zip(columns, cells):
            if cell is None or cell.plane is None:
                gaps += 1
                tiles.append(Tile(None, "n/a: no 2-D spectrum"))
                continue
            name = f"{stem}-{codec}-D" if column == columns[0] else f"{stem}-{label}-{column}"
            bands = "" if cell.bands is None else f", high {cell.bands[-1]:.2f}"
            tiles.append(Tile(f"{FIGURES}/tiles/{linear_tile(cell.plane, top, folder, name)}",
                              f"mean {cell.mean:.3g}{bands}"))
        rows.append((label, tuple(tiles)))
    if gaps:
        ctx.skip(title, f"{gaps} tile(s) have no spectrum at the codec's matched quality")
    quality_text = ", ".join(f"{c} q={q}" for c, q in spectra.qualities.items() if q is not None)
    caption = (f"The paper's layout: per codec, D (x^ - x on clean input), then G (x^ - x~, generalisation) and R "
               f"(x^ - x, robustness) at each severity of {corruption}. " if corruption else
               "The paper's D (x^ - x on clean input) per codec. ") + (
        f"Values: {spectra.layout.units or 'see metadata'}; {spectra.layout.height}x{spectra.layout.width} spectra, "
        f"DC at the centre, -0.5 to 0.5 cycles/pixel on both axes, block-averaged to at most {MAX_CELL} px per side. "
        f"One linear {CMAP} colour scale for every tile of this grid, from 0 to {top:.3g} (the {TOP_PERCENTILE}th "
        f"percentile of its values; brighter values, the DC among them, saturate: the paper zeroes the DC "
        f"instead). Under each tile: the plane's mean and its share above 1/4 cycle/pixel. Each codec at its "
        f"matched quality ({quality_text}).")
    return TileGrid(title, caption, columns, tuple(rows), f"{FIGURES}/tiles/{colour_bar(folder)}")


def _rgb(levels: np.ndarray) -> np.ndarray:
    from matplotlib import colormaps

    return (colormaps[CMAP](levels)[..., :3] * 255).round().astype(np.uint8)


def linear_tile(plane: np.ndarray, top: float, folder: Path, name: str) -> str:
    """Write ``plane`` (DC at the centre) on the linear scale 0 to ``top`` as a PNG; its file name."""
    file = re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png"
    levels = np.clip(np.nan_to_num(plane, nan=0.0) / top, 0.0, 1.0)
    save_png(_rgb(levels[::-1]), folder / file)
    return file


def colour_bar(folder: Path) -> str:
    """The grids' colour bar: 0 on the left, the grid's printed top on the right."""
    save_png(np.repeat(_rgb(np.linspace(0.0, 1.0, 256))[None, :, :], 12, axis=0), folder / "colour-bar-jet.png")
    return "colour-bar-jet.png"
