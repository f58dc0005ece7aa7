"""Robustness at the matched rate: PSNR drop and PSNR against the clean image, per severity and averaged."""

from __future__ import annotations

import math

import numpy as np

from .cases import Cell, joined_note, missing, same_cases_mean
from .context import Context
from .model import Note, Section, matrix_table, write_csv
from .plotting import figure
from .rundata import Variant

ROBUSTNESS_COLUMNS = ("codec", "corruption", "severity", "frequency", "bpp", "psnr_clean", "psnr", "psnr_drop",
                      "psnr_wrt_clean", "input_psnr_wrt_clean", "images", "note")
MEAN_COLUMNS = ("codec", "over", "inputs", "bpp", "psnr_drop", "psnr_wrt_clean", "note")
Measures = dict[tuple[str, Variant], tuple[Cell, Cell]]  # (codec, variant) -> (drop, psnr_wrt_clean)


def at_matched_rate(ctx: Context) -> tuple[Measures, list[list]]:
    """(PSNR drop, PSNR vs clean) per codec and corrupted variant at the matched rate, and the CSV rows."""
    analysis, t = ctx.analysis, ctx.analysis.bpp
    measures: Measures = {}
    rows = []
    for variant in analysis.corrupted():
        base = input_quality(ctx, variant)
        for codec in analysis.codecs:
            curve, clean = analysis.curve(variant, codec), analysis.curve(analysis.clean, codec)
            if curve is None:
                drop = wrt = missing(ctx.absence(codec, variant))
                values = (float("nan"),) * 3
            else:
                psnr, why = curve.value_at("psnr", t)
                psnr_clean, why_clean = clean.value_at("psnr", t) if clean else (float("nan"), "no clean input run")
                wrt_value, why_wrt = curve.value_at("psnr_wrt_clean", t)
                drop = Cell(psnr_clean - psnr, "" if math.isfinite(psnr_clean - psnr) else
                            (why or f"clean input: {why_clean}"))
                wrt = Cell(wrt_value, why_wrt)
                values = (psnr_clean, psnr, drop.value)
            measures[(codec, variant)] = (drop, wrt)
            rows.append([codec, variant[0], variant[1], analysis.frequency.get(variant[0], ""), t, *values,
                         wrt.value, base.value, len(analysis.images), joined_note(drop, wrt)])
    return measures, rows


def input_quality(ctx: Context, variant: Variant) -> Cell:
    """Mean PSNR of the uncompressed input against the clean image, from a lossless baseline's rows."""
    for codec in ctx.analysis.baselines:
        curve = ctx.analysis.curve(variant, codec)
        if curve is not None:
            values = curve.mean("psnr_wrt_clean")
            values = values[np.isfinite(values)]
            if len(values):
                return Cell(float(values[0]))
    return missing("no lossless baseline run on this input")


def robustness_section(ctx: Context) -> Section:
    section = Section("Robustness at the matched rate")
    analysis = ctx.analysis
    if not analysis.corruptions:
        ctx.skip("Robustness tables", "the run has no corrupted input")
        return section
    measures, rows = at_matched_rate(ctx)
    name = write_csv(ctx.out, "robustness.csv", ROBUSTNESS_COLUMNS, rows)
    t = analysis.bpp
    section.items.append(Note(
        f"Codecs are compared at {t:.4g} bpp ({analysis.bpp_source}; change with --bpp), on their RD curves "
        "interpolated linearly in log bpp, never extrapolated. PSNR drop = PSNR vs input on clean input minus PSNR vs "
        "input on corrupted input (positive: the codec does worse on corrupted input); PSNR vs clean = the "
        "reconstruction of the corrupted input against the clean image. Every value, per codec and severity, is in",
        name))
    codecs = analysis.codecs
    baseline = bool(analysis.baselines)
    columns = ("input", *codecs, *(["uncompressed input"] if baseline else []))
    table_rows = []
    for variant in analysis.corrupted():
        entries = [measures[(c, variant)] for c in codecs]
        if baseline:
            entries.append(input_quality(ctx, variant))
        table_rows.append((ctx.variant_name(variant), entries))
    what = f"over {ctx.images_phrase()}"
    section.items.append(matrix_table(
        f"PSNR drop / PSNR vs clean at {t:.3g} bpp, per severity",
        f"Each cell: PSNR drop (dB) / PSNR of the reconstruction vs the clean image (dB), {what}."
        + (" Last column: PSNR of the uncompressed corrupted input vs the clean image (the "
           f"{', '.join(analysis.baselines)} baseline)." if baseline else ""),
        columns, table_rows, name))
    mean_rows, averaged = averages(ctx, measures)
    mean_name = write_csv(ctx.out, "robustness_mean.csv", MEAN_COLUMNS, mean_rows)
    section.items.append(matrix_table(
        f"PSNR drop / PSNR vs clean at {t:.3g} bpp, averaged",
        "Mean over the severities of each corruption and over every corruption and severity of each frequency group; "
        "computed only where every codec has both values on every input averaged, else the note says which is "
        "missing and why.", ("inputs averaged", *codecs), averaged, mean_name))
    section.items.append(heat_map(ctx, measures))
    return section


def averages(ctx: Context, measures: Measures) -> tuple[list[list], list]:
    """Same-case means of both measures over each corruption's severities and each frequency group."""
    analysis = ctx.analysis
    codecs = analysis.codecs
    csv_rows, table = [], []
    for title, variants in analysis.scopes():
        pairs = {(c, v): measures[(c, v)] for c in codecs for v in variants}
        drop, wrt = ctx.mean_pair(pairs, codecs, variants, ("PSNR drop", "PSNR vs clean"),
                                  f"at {analysis.bpp:.3g} bpp, {title}")
        for codec in codecs:
            csv_rows.append([codec, title, len(variants), analysis.bpp, drop[codec].value, wrt[codec].value,
                             joined_note(drop[codec], wrt[codec])])
        table.append((title, [(drop[c], wrt[c]) for c in codecs]))
    return csv_rows, table


def heat_map(ctx: Context, measures: Measures):
    """Codec x corruption heat maps of the severity-averaged drop and PSNR vs clean (grey: not averaged)."""
    from matplotlib.colors import CenteredNorm

    analysis = ctx.analysis
    codecs, corruptions = analysis.codecs, analysis.corruptions
    fig, axes = figure(2, 1, width=max(4.0, 0.55 * len(corruptions) + 2.5), height=max(1.8, 0.35 * len(codecs) + 1.6))
    for index, (ax, label) in enumerate(zip(axes.flat, ("PSNR drop (dB)", "PSNR vs clean image (dB)"))):
        grid = np.full((len(codecs), len(corruptions)), np.nan)
        for j, corruption in enumerate(corruptions):
            variants = [(corruption, s) for s in analysis.severities(corruption)]
            mean, _ = same_cases_mean({(c, v): measures[(c, v)][index] for c in codecs for v in variants}, codecs,
                                      variants)
            grid[:, j] = [mean[c].value for c in codecs]
        finite = np.isfinite(grid).any()
        norm = CenteredNorm(0.0) if index == 0 and finite else None
        image = ax.imshow(np.ma.masked_invalid(grid), cmap="RdBu_r" if index == 0 else "viridis", norm=norm,
                          aspect="auto")
        ax.set_facecolor("0.85")
        for (i, j), value in np.ndenumerate(grid):
            ax.text(j, i, "n/a" if not np.isfinite(value) else f"{value:.1f}", ha="center", va="center", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.6, "linewidth": 0})
        ax.set_xticks(range(len(corruptions)), corruptions, rotation=45, ha="right")
        ax.set_yticks(range(len(codecs)), codecs)
        ax.grid(False)
        ax.set_title(f"{label}, mean over severities")
        fig.colorbar(image, ax=ax, label=label)
    return ctx.figure(
        fig, "robustness-heatmap", "Robustness heat maps, codec x corruption",
        f"At {analysis.bpp:.4g} bpp, averaged over each corruption's severities: top, PSNR drop from clean to "
        "corrupted input (dB, red = worse on corrupted input); bottom, PSNR of the reconstruction against the clean "
        f"image (dB). Over {ctx.images_phrase()}. Grey n/a cells: some codec misses some severity (the averaged "
        "table's notes say which).")
