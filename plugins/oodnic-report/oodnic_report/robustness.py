"""Robustness at matched bpp: codec x corruption tables and heat maps, and the per-group headline bars."""

from __future__ import annotations

import numpy as np

from .analysis import (GROUPS, HEADLINE_COLUMNS, ROBUSTNESS_COLUMNS, headline_rows, mean_over_severities,
                       robustness_rows)
from .context import Context
from .model import Note, Section, write_table
from .plotting import codec_colours, figure

MEASURES = (
    ("psnr_drop", "PSNR drop vs clean input (dB)",
     "PSNR (against the codec's input) on clean input minus PSNR on corrupted input, both interpolated at the "
     "matched bpp on the codec's RD curve (linear in log bpp); positive = worse on corrupted input"),
    ("psnr_wrt_clean", "PSNR vs clean image (dB)",
     "PSNR of the reconstruction of the corrupted input against the clean image, at the matched bpp"),
    ("bd_rate_percent", "BD-rate vs clean curve (%)",
     "Bjontegaard delta rate (piecewise cubic) of the corrupted-input curve against the clean-input curve, "
     "rate vs PSNR against the codec's input, over their common PSNR range (its width is bd_overlap_db in "
     "robustness.csv: a narrow one makes the value unreliable); n/a where the ranges do not overlap"),
)


def colouring(column: str, grid: np.ndarray):
    """(values to colour, colour map, norm, colour-bar tick formatter) of one heat-map panel."""
    from matplotlib.colors import CenteredNorm
    from matplotlib.ticker import FuncFormatter

    finite = np.isfinite(grid).any()
    if column == "psnr_wrt_clean":
        return grid, "viridis", None, None
    if column == "psnr_drop":
        return grid, "RdBu_r", CenteredNorm(0.0) if finite else None, None
    # BD-rate: colour by log2 of the rate ratio, so +100 % and -50 % get opposite colours of equal strength
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.log2(1.0 + grid / 100.0)
    percent = FuncFormatter(lambda v, _: f"{(2**v - 1) * 100:+.0f}")
    return ratio, "RdBu_r", CenteredNorm(0.0) if finite else None, percent


def robustness_section(ctx: Context) -> Section:
    section = Section("Robustness at matched bpp")
    analysis = ctx.analysis
    if not analysis.corruptions:
        ctx.skip("Robustness tables and heat map", "the run has no corrupted input")
        ctx.skip("Generalisation vs robustness per frequency group", "the run has no corrupted input")
        return section
    rows = robustness_rows(analysis)
    section.items.append(Note(
        f"Codecs are compared at {analysis.bpp:.4g} bpp ({analysis.bpp_source}; change with --bpp). "
        "Values outside a curve's bpp range are not extrapolated (n/a). Severities: "
        f"{', '.join(map(str, analysis.severities))}; the matrices average over them."))
    images = max((r["images"] for r in rows), default=0)
    section.items.append(write_table(
        ctx.out, "robustness.csv", "Per codec, corruption and severity",
        f"All robustness measures at {analysis.bpp:.4g} bpp, over up to {ctx.images_phrase(images)}.",
        ROBUSTNESS_COLUMNS, [[r[c] for c in ROBUSTNESS_COLUMNS] for r in rows]))
    means = {column: mean_over_severities(rows, column) for column, *_ in MEASURES}
    for column, label, caption in MEASURES:
        table_rows = [[codec, *[means[column].get((codec, c), float("nan")) for c in analysis.corruptions]]
                      for codec in analysis.codecs]
        section.items.append(write_table(
            ctx.out, f"robustness-{column.replace('_', '-')}.csv", f"{label}: codec x corruption",
            caption + ".", ("codec", *analysis.corruptions), table_rows, digits=1 if column.startswith("bd") else 2))
    section.items.append(heat_map(ctx, means, images))
    section.items.extend(headline(ctx))
    return section


def heat_map(ctx: Context, means: dict, images: int):
    analysis = ctx.analysis
    codecs, corruptions = analysis.codecs, analysis.corruptions
    fig, axes = figure(len(MEASURES), 1, width=max(4.0, 0.55 * len(corruptions) + 2.5),
                       height=max(1.8, 0.35 * len(codecs) + 1.6))
    for ax, (column, label, _) in zip(axes.flat, MEASURES):
        grid = np.array([[means[column].get((k, c), np.nan) for c in corruptions] for k in codecs], dtype=float)
        values, cmap, norm, ticks = colouring(column, grid)
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="auto")
        ax.set_facecolor("0.85")
        for (i, j), value in np.ndenumerate(grid):
            ax.text(j, i, "n/a" if not np.isfinite(value) else f"{value:.1f}", ha="center", va="center", fontsize=6,
                    bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.6, "linewidth": 0})
        ax.set_xticks(range(len(corruptions)), corruptions, rotation=45, ha="right")
        ax.set_yticks(range(len(codecs)), codecs)
        ax.grid(False)
        ax.set_xlabel("corruption")
        ax.set_ylabel("codec")
        ax.set_title(label)
        fig.colorbar(image, ax=ax, label=label[label.rindex("(") + 1 : -1], format=ticks)
    return ctx.figure(
        fig, "robustness-heatmap", "Robustness heat maps, codec x corruption",
        f"Top: PSNR drop from clean to corrupted input at {analysis.bpp:.4g} bpp (dB). Middle: PSNR of the "
        "reconstruction of the corrupted input against the clean image at that rate (dB). Bottom: BD-rate of the "
        "corrupted-input RD curve against the clean one (%; colour on a log2 scale of the rate ratio). Each cell "
        "averages the severities run "
        f"({', '.join(map(str, analysis.severities))}); grey cells are n/a. Over up to {ctx.images_phrase(images)}.")


def headline(ctx: Context) -> list:
    analysis = ctx.analysis
    rows = headline_rows(analysis)
    groups = [g for g in ("clean", *GROUPS) if any(r["group"] == g for r in rows)]
    missing = [g for g in GROUPS if g not in groups]
    if not any(g in GROUPS for g in groups):
        ctx.skip("Generalisation vs robustness per frequency group",
                 f"no corruption group where every codec reaches {analysis.bpp:.4g} bpp")
        return []
    items = []
    colours = codec_colours(analysis.codecs)
    fig, axes = figure(1, 2, width=max(3.2, 0.9 * len(groups) + 0.3 * len(analysis.codecs)), height=3.0)
    codecs = analysis.codecs
    width = 0.8 / len(codecs)
    for ax, (column, label) in zip(axes.flat, (("psnr", "generalisation: PSNR vs codec input (dB)"),
                                                ("psnr_wrt_clean", "robustness: PSNR vs clean image (dB)"))):
        for k, codec in enumerate(codecs):
            values = [next((r[column] for r in rows if r["group"] == g and r["codec"] == codec), np.nan)
                      for g in groups]
            ax.bar(np.arange(len(groups)) + (k - (len(codecs) - 1) / 2) * width, values, width,
                   color=colours[codec], label=codec)
        ax.set_xticks(range(len(groups)), groups)
        ax.set_xlabel("input group (corruption frequency band)")
        ax.set_ylabel(label.split(": ")[1])
        ax.set_title(label)
        finite = [r[column] for r in rows]
        ax.set_ylim(min(finite) - 2.0, max(finite) + 1.0)
    axes.flat[0].legend(title="codec")
    variants = ", ".join(f"{g}: {next(r['variants'] for r in rows if r['group'] == g)}" for g in groups)
    caption = (f"Mean over the inputs of each group at {analysis.bpp:.4g} bpp: left, PSNR against the codec's own "
               "input (how well the codec generalises to the input); right, PSNR against the clean image (how "
               "robust its output is). Averaged over the corrupted inputs (corruption x severity) on which every "
               f"codec reaches that rate ({variants}) and over up to {ctx.images_phrase(len(ctx.data.images))}.")
    if missing:
        caption += f" No bar for {', '.join(missing)}: no such corruption run, or no common input at that rate."
        ctx.skip(f"Headline bars for {', '.join(missing)}", "no corruption of that group run, or none where "
                 f"every codec reaches {analysis.bpp:.4g} bpp")
    items.append(ctx.figure(fig, "headline-by-frequency", "Generalisation vs robustness per frequency group", caption))
    items.append(Note("At the matched bpp: " + "; ".join(verdict(rows, g, analysis.codecs) for g in groups) + "."))
    items.append(write_table(ctx.out, "headline.csv", "Generalisation and robustness per frequency group",
                             "Data of the bars above; best_generalisation / most_robust mark each group's top codec.",
                             HEADLINE_COLUMNS, [[r[c] for c in HEADLINE_COLUMNS] for r in rows]))
    return items


def verdict(rows: list[dict], group: str, codecs: list[str]) -> str:
    """One group's winners in words, naming codecs that do not reach the matched bpp there."""
    mine = [r for r in rows if r["group"] == group]
    absent = [c for c in codecs if all(r["codec"] != c for r in mine)]
    best = [r["codec"] for r in mine if r["best_generalisation"]]
    robust = [r["codec"] for r in mine if r["most_robust"]]
    text = (f"{group}: best generalisation {best[0]}, most robust {robust[0]}" if best else
            f"{group}: only {mine[0]['codec']} reaches this rate")
    return text + (f" ({', '.join(absent)} not at this rate)" if absent and best else "")
