"""The error-spectra section: D / G / R per frequency group (all severities, then each), radial profiles, a CSV."""

from __future__ import annotations

import numpy as np

from .bdrate import resolve_anchor
from .context import Context
from .model import Note, Section, write_csv
from .plotting import grid, legend
from .rundata import Variant
from .spectra import MetricSpectra, collect
from .spectra_grids import Layout, difference_grid, heat_grid, panel

KIND_TEXT = {"D": "D = x^ - x on clean input", "G": "G = x^ - x~ (generalisation)", "R": "R = x^ - x (robustness)"}
SPECTRAL_KEYS = ("D", "G", "R", "D_half", "G_half", "R_half", "D_radial", "G_radial", "R_radial")
#: array groups of this name are Fourier heat maps (their own section)
FOURIER = "fourier_heatmap"
Column = tuple[str, str, list[Variant]]  # (title, kind, inputs averaged)


def spectra_section(ctx: Context) -> Section:
    section = Section("Error spectra")
    metrics = [m for m in ctx.data.array_metrics() if m != FOURIER]
    if not metrics:
        ctx.skip("Error spectra (D, G, R)", "no accumulating metric saved arrays (run with --metric spectral)")
        return section
    for metric in metrics:
        first = ctx.data.arrays(metric)[0]
        if not set(first.keys()) & set(SPECTRAL_KEYS):
            ctx.skip(f"Error spectra of {metric}", "its arrays hold no D, G or R spectrum")
            continue
        spectra = collect(ctx, metric)
        if spectra is None:
            ctx.skip(f"Error spectra of {metric}", "no readable group at the codecs' matched qualities")
            continue
        add_metric(ctx, spectra, section)
    return section


def add_metric(ctx: Context, spectra: MetricSpectra, section: Section) -> None:
    analysis = ctx.analysis
    groups, codecs = analysis.groups(), spectra.codecs()
    quality_text = ", ".join(f"{c} q={q}" for c, q in spectra.qualities.items() if q is not None)
    facts = (f" Each codec at the quality whose clean-input bpp is nearest {analysis.bpp:.3g} bpp ({quality_text}); "
             f"{spectra.layout.height}x{spectra.layout.width} spectra, values: {spectra.layout.units or 'see metadata'}.")
    base: list[Column] = [("clean: D", "D", [analysis.clean])] if analysis.clean else []
    for kind in ("G", "R"):
        base += [(f"{g}: {kind}", kind, analysis.group_variants(g)) for g in groups]
    if not any(s.plane is not None for s in spectra.cells.values()):
        ctx.skip(f"{spectra.metric}: 2-D spectra", "its groups keep radial profiles only (planes=false)")
    else:
        stem, name = f"spectra-{spectra.metric}", spectra.metric
        section.items.append(heat_grid(
            ctx, spectra, by_codec(codecs, base), titles(base), f"{stem}-groups",
            f"{name}: D, G and R per frequency group, all severities",
            "Mean 2-D error spectrum per codec (rows): D on clean input, then G and R averaged over every corruption "
            "and severity of each frequency group (columns)." + facts))
        anchor = resolve_anchor(ctx)
        if anchor in codecs and len(codecs) > 1:
            section.items.append(difference_grid(
                ctx, spectra, by_codec([c for c in codecs if c != anchor], base), titles(base), anchor,
                f"{stem}-difference", f"{name}: D, G and R per frequency group, minus {anchor}",
                "Difference spectra per codec (rows) and input group (columns), all severities." + facts))
        for kind in ("G", "R"):
            rows = [(c, [(codec, kind, [(c, s) for s in analysis.severities(c)]) for codec in codecs])
                    for c in analysis.corruptions]
            if rows:
                section.items.append(heat_grid(
                    ctx, spectra, rows, tuple(codecs), f"{stem}-corruptions-{kind}",
                    f"{name}: {KIND_TEXT[kind]} per corruption, all severities",
                    f"Mean 2-D {kind} spectrum per corruption (rows, averaged over its severities) and codec "
                    "(columns)." + facts))
        for severity in analysis.severities():
            columns = [(f"{g} s{severity}: {kind}", kind, analysis.group_variants(g, severity))
                       for kind in ("G", "R") for g in groups]
            section.items.append(heat_grid(
                ctx, spectra, by_codec(codecs, columns), titles(columns), f"{stem}-severity-{severity}",
                f"{name}: G and R per frequency group at severity {severity}",
                f"As above, the corruptions of each frequency group at severity {severity} only." + facts))
    if any(s.radial is not None for s in spectra.cells.values()):
        section.items.append(radial_figure(ctx, spectra, facts))
    section.items.append(spectra_table(ctx, spectra))


def by_codec(codecs: list[str], columns: list[Column]) -> Layout:
    """A row per codec, a slot per column."""
    return [(codec, [(codec, kind, variants) for _, kind, variants in columns]) for codec in codecs]


def titles(columns: list[Column]) -> tuple[str, ...]:
    return tuple(title for title, _, _ in columns)


def radial_figure(ctx: Context, spectra: MetricSpectra, facts: str):
    """Rows codecs, columns frequency groups: G (solid) and R (dashed) per severity, D (black) for reference."""
    from matplotlib import colormaps

    analysis = ctx.analysis
    codecs, groups, severities = spectra.codecs(), analysis.groups() or ["clean"], analysis.severities()
    colours = colormaps["viridis"]
    fig, axes = grid(len(codecs), len(groups), width=2.9, height=2.1, legend_rows=-(-(1 + 2 * len(severities)) // 5))
    for i, codec in enumerate(codecs):
        clean = spectra.cells.get((codec, analysis.clean, "D")) if analysis.clean else None
        for j, group in enumerate(groups):
            ax = axes[i, j]
            if clean is not None and clean.radial is not None and np.any(clean.radial[1] > 0):
                ax.plot(*clean.radial, color="black", linewidth=1.2, label="D (clean input)")
            for k, severity in enumerate(severities):
                for kind, style in (("G", "-"), ("R", "--")):
                    found = panel(ctx, spectra, (codec, kind, analysis.group_variants(group, severity)))
                    if isinstance(found, str) or found.radial is None or not np.any(found.radial[1] > 0):
                        continue
                    ax.plot(*found.radial, linestyle=style, linewidth=0.9, label=f"{kind}, severity {severity}",
                            color=colours(0.85 * k / max(1, len(severities) - 1)))
            ax.set_yscale("log")
            ax.set_xlim(0, 0.5)
            ax.set_title(f"{codec}: {group}")
            ax.set_xlabel("radial frequency (cycles/pixel)")
    legend(fig, axes.flat)
    return ctx.figure(
        fig, f"spectra-{spectra.metric}-radial", f"{spectra.metric}: radial error spectra per frequency group",
        "Radially averaged error spectra per codec (rows) and frequency group (columns): G (solid) and R (dashed) "
        "averaged over the group's corruptions at each severity (colour), D on clean input in black. Bins are "
        "complete rings of equal width up to Nyquist (0.5 cycles/pixel); DC and the corner bins beyond 0.5 are left "
        "out. Log scale; an all-zero profile is not drawn." + facts)


SPECTRA_COLUMNS = ("codec", "quality", "corruption", "severity", "kind", "images", "mean", "band_low", "band_mid",
                   "band_high", "all_zero")


def spectra_table(ctx: Context, spectra: MetricSpectra) -> Note:
    """Per codec, input and spectrum kind: the plane mean and its band shares, as CSV."""
    rows = []
    for (codec, variant, kind), s in sorted(spectra.cells.items(), key=lambda item: (item[0][0], item[0][1],
                                                                                      item[0][2])):
        bands = list(s.bands) if s.bands is not None else [float("nan")] * 3
        rows.append([codec, spectra.qualities.get(codec), variant[0], variant[1], kind, s.images, s.mean, *bands[:3],
                     s.zero])
    name = write_csv(ctx.out, f"spectra_{spectra.metric}.csv", SPECTRA_COLUMNS, rows)
    edges = ", ".join(f"{e:g}" for e in spectra.edges)
    return Note(f"{spectra.metric} per codec, input and spectrum: mean over the plane and the shares of low / mid / "
                f"high radial frequencies (split at {edges} cycles/pixel) are in", name)
