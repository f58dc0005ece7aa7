"""Robustness at target rates: per input and target, each codec's rate-matched PSNR with bootstrap intervals.

For every codec, input (clean and each corruption and severity) and target
rate: the mean over images of PSNR against the codec's input and against the
clean image, the drop from clean (PSNR vs input on clean input minus on the
corrupted input, paired per image) and the uncompressed corrupted input's PSNR
against the clean image; group averages over the same cases for every codec.
A codec that cannot reach a target on an input is named once, with its range.
"""

from __future__ import annotations

import numpy as np

from . import bootstrap
from .cases import Cell, common_cases, missing
from .context import Context
from .model import Note, Section, matrix_table, write_csv
from .ratematch import RateMatch
from .robustness import input_quality
from .plotting import MARKER_SIZE, figure, legend
from .targets import AtTargets, Key, at_targets, out_of_reach_lines

MEASURES = (("psnr", "PSNR vs codec input"), ("psnr_wrt_clean", "PSNR vs clean image"), ("psnr_drop", "PSNR drop"))
STATS = tuple(f"{m}{s}" for m, _ in MEASURES for s in ("", "_ci_low", "_ci_high"))
COLUMNS = ("codec", "corruption", "severity", "frequency", "target_bpp", "bpp", "images", "matched", *STATS,
           "input_psnr_wrt_clean", "note")
MEAN_COLUMNS = ("codec", "target_bpp", "over", "inputs", *STATS, "input_psnr_wrt_clean", "note")
MISSES = {"out of reach": "out of reach: the codec cannot code this input at this rate (named above, with its range)",
          "not matched": "not matched: no quality came within tolerance of this rate (named above, with the range)"}
Vectors = dict[tuple[Key, str], np.ndarray]


def per_image(ctx: Context, data: AtTargets) -> tuple[dict[tuple[Key, str], Cell], Vectors]:
    """Cells and per-image vectors of every measure per (codec, input, target); a cell says why it is empty."""
    analysis, n = ctx.analysis, len(data.images)
    cells: dict[tuple[Key, str], Cell] = {}
    vectors: Vectors = {}
    for target in data.targets:
        for variant in analysis.variants():
            for codec in analysis.codecs:
                key = (codec, variant, target)
                why = reason(ctx, data, key)
                for measure in ("psnr", "psnr_wrt_clean"):
                    vector = data.values.get((key, measure))
                    if not why and vector is not None and np.isfinite(vector).all():
                        vectors[(key, measure)] = vector
                        cells[(key, measure)] = Cell(float(vector.mean()))
                    else:
                        cells[(key, measure)] = missing(why or f"{measure} not measured on every image")
                clean_key = (codec, analysis.clean, target) if analysis.clean else None
                if (key, "psnr") in vectors and clean_key and (clean_key, "psnr") in vectors:
                    drop = vectors[(clean_key, "psnr")] - vectors[(key, "psnr")]
                    vectors[(key, "psnr_drop")] = drop
                    cells[(key, "psnr_drop")] = Cell(float(drop.mean()))
                else:
                    clean_why = reason(ctx, data, clean_key) if clean_key else "no clean input run"
                    cells[(key, "psnr_drop")] = missing(cells[(key, "psnr")].note or f"clean input: {clean_why}")
    assert all(len(v) == n for v in vectors.values())
    return cells, vectors


def reason(ctx: Context, data: AtTargets, key: Key) -> str:
    """Why (codec, input, target) has no value ("" when every image has a match within tolerance)."""
    if data.complete(key):
        return ""
    if data.miss(key):
        return MISSES[data.miss(key)]
    codec, variant, target = key
    met = data.met.get(key, 0)
    if not met:
        return f"no rate-matched row at {target:g} bpp: {ctx.absence(codec, variant)}"
    return f"{met} of {len(data.images)} images have a rate-matched row at {target:g} bpp"


def stats(vector: np.ndarray | None, w: np.ndarray) -> list[float]:
    """Mean and 95% bootstrap interval over images (NaN without a vector)."""
    if vector is None:
        return [float("nan")] * 3
    low, high, _ = bootstrap.interval(w @ vector)
    return [float(vector.mean()), low, high]


def robustness_targets_section(ctx: Context, matches: list[RateMatch]) -> Section:
    section = Section("Robustness at target rates")
    analysis = ctx.analysis
    data = at_targets(matches, {r["key"]: r for r in ctx.data.rows}, analysis)
    cells, vectors = per_image(ctx, data)
    w = bootstrap.weights(len(data.images), ctx.options.resamples, ctx.options.seed)
    rows = []
    for target in data.targets:
        for variant in analysis.variants():
            level = input_quality(ctx, variant).value if variant != analysis.clean else float("inf")
            for codec in analysis.codecs:
                key = (codec, variant, target)
                bpp = data.bpp.get(key)
                values = [v for m, _ in MEASURES for v in stats(vectors.get((key, m)), w)]
                note = "; ".join(dict.fromkeys(cells[(key, m)].note for m, _ in MEASURES if cells[(key, m)].note))
                rows.append([codec, variant[0], variant[1], analysis.frequency.get(variant[0], ""), target,
                             float(np.nanmean(bpp)) if bpp is not None and np.isfinite(bpp).any() else float("nan"),
                             len(data.images), data.met.get(key, 0), *values, level, note])
    name = write_csv(ctx.out, "robustness.csv", COLUMNS, rows)
    targets = ", ".join(f"{t:g}" for t in data.targets)
    section.items.append(Note(
        f"Each codec coded every image and input at the target rates {targets} bpp (rate-matched rows within "
        f"tolerance). Per codec, input and target: the mean over {ctx.images_phrase()} of PSNR against the codec's "
        "input and against the clean image, the drop from clean (PSNR vs input on clean input minus on the "
        "corrupted input, paired per image; positive: worse on corrupted input), with 95% bootstrap intervals over "
        f"images ({ctx.options.resamples} resamples, seed {ctx.options.seed}, every resample kept), and the "
        "uncompressed corrupted input's PSNR against the clean image. Probes coded per match, on average: "
        + ", ".join(f"{c} {np.mean(p):.1f}" for c, p in sorted(data.probes.items())) + ". Every value is in", name))
    lines = out_of_reach_lines(data, ctx.variant_name)
    if lines:
        section.items.append(Note("Targets missed (each named once; their cells are n/a): " + "; ".join(lines) + "."))
    means, found = group_means(ctx, data, cells, vectors, w)
    write_csv(ctx.out, "robustness_mean.csv", MEAN_COLUMNS, means)
    section.items.append(dot_plot(ctx, data, vectors, w, found))
    for target in data.targets:
        section.items.append(target_table(ctx, data, cells, target, name))
    return section


def target_table(ctx: Context, data: AtTargets, cells: dict[tuple[Key, str], Cell], target: float, csv: str):
    """Per input a row, per codec a cell: PSNR vs input / vs clean / drop (group means: robustness_mean.csv)."""
    analysis = ctx.analysis
    baseline = bool(analysis.baselines)
    rows = []
    for variant in analysis.variants():
        entries = [[cells[((c, variant, target), m)] for m, _ in MEASURES] for c in analysis.codecs]
        if baseline:
            entries.append(input_quality(ctx, variant) if variant != analysis.clean else Cell(float("inf")))
        rows.append((ctx.variant_name(variant), entries))
    return matrix_table(
        f"PSNR vs input / PSNR vs clean / drop at {target:g} bpp",
        f"Each cell: mean PSNR vs the codec's input / vs the clean image / drop from clean (dB) over "
        f"{ctx.images_phrase()} at {target:g} bpp; intervals in {csv}."
        + (" Last column: the uncompressed input against the clean image." if baseline else ""),
        ("input", *analysis.codecs, *(["uncompressed input"] if baseline else [])), rows, csv)


def group_means(ctx: Context, data: AtTargets, cells: dict[tuple[Key, str], Cell], vectors: Vectors,
                w: np.ndarray) -> tuple[list[list], dict[tuple[str, float, str, str], tuple[Cell, list[float]]]]:
    """Means over each corruption's severities and each frequency group, per target and measure, with intervals.

    A mean covers the inputs where every codec has the value (the same inputs for every codec; the note names
    those left out). Returns the CSV rows and, per (scope, target, measure, codec), the cell and its statistics.
    """
    analysis, codecs = ctx.analysis, ctx.analysis.codecs
    out, found = [], {}
    for target in data.targets:
        for title, variants in analysis.scopes():
            values: dict[str, list[float]] = {c: [] for c in codecs}
            notes: list[str] = []
            for measure, label in MEASURES:
                measure_cells = {(c, v): cells[((c, v, target), measure)] for c in codecs for v in variants}
                kept, note = common_cases(measure_cells, codecs, variants, ctx.variant_name)
                if note:
                    notes.append(f"{label}: {note}")
                for codec in codecs:
                    vector = np.mean([vectors[((codec, v, target), measure)] for v in kept], axis=0) if kept else None
                    values[codec] += stats(vector, w)
                    cell = Cell(values[codec][-3], f"{label}: {note}") if kept else missing(
                        f"{label}: no input where every codec has a value")
                    found[(title, target, measure, codec)] = (cell, values[codec][-3:])
            levels = [input_quality(ctx, v) for v in variants]
            level = float(np.mean([c.value for c in levels])) if all(c.ok for c in levels) else float("nan")
            for codec in codecs:
                out.append([codec, target, title, len(variants), *values[codec], level, "; ".join(notes)])
    return out, found


def dot_plot(ctx: Context, data: AtTargets, vectors: Vectors, w: np.ndarray,
             found: dict[tuple[str, float, str, str], tuple[Cell, list[float]]]):
    """Rows PSNR vs input and vs clean, columns targets: per input group each codec's mean and interval."""
    analysis, codecs = ctx.analysis, ctx.analysis.codecs
    groups = (["clean input"] if analysis.clean else []) + [f"{g}-frequency group" for g in analysis.groups()]
    fig, axes = figure(2, len(data.targets), width=max(3.0, 0.8 * len(groups) + 0.2 * len(codecs)), height=2.8,
                       sharey="row")
    width = 0.8 / max(1, len(codecs))
    for j, target in enumerate(data.targets):
        for i, (measure, label) in enumerate(MEASURES[:2]):
            ax = axes[i, j]
            for k, codec in enumerate(codecs):
                points = []
                for g, group in enumerate(groups):
                    value = (stats(vectors.get(((codec, analysis.clean, target), measure)), w) if g == 0 and
                             analysis.clean else found[(group, target, measure, codec)][1])
                    if np.isfinite(value[0]):
                        points.append((g + (k - (len(codecs) - 1) / 2) * width, *value))
                if points:
                    x, y, low, high = np.array(points).T
                    style = ctx.styles[codec]
                    ax.vlines(x, low, high, color=style.colour, linewidth=1.2)
                    ax.plot(x, y, style.marker, markersize=MARKER_SIZE, color=style.colour, label=codec)
            if measure == "psnr_wrt_clean":
                levels = [float(np.mean([input_quality(ctx, v).value for v in variants]))
                          for _, variants in analysis.scopes()[len(analysis.corruptions):]]
                if analysis.baselines and levels:
                    ax.plot(range(len(groups) - len(levels), len(groups)), levels, "_", color="0.3", markersize=14,
                            label="uncompressed input")
            ax.set_xticks(range(len(groups)), [g.split("-")[0] for g in groups])
            ax.set_title(f"{target:g} bpp")
            ax.set_ylabel(f"{label} (dB)" if j == 0 else "")
    legend(fig, axes.flat)
    return ctx.figure(
        fig, "robustness-at-targets", "PSNR at target rates per input group",
        f"Top: PSNR against the codec's input; bottom: against the clean image; one column per target rate. Each "
        f"codec's mean over {ctx.images_phrase()} and over the inputs of each group that every codec reaches (the "
        "same inputs for every codec; robustness_mean.csv names those left out), with 95% bootstrap intervals over "
        "images (whiskers); grey bars: the uncompressed corrupted input, over every input of the group.")
