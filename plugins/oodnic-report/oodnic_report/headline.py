"""The paper's headline at the matched rate, with bootstrap intervals over images: who generalises, who is robust.

Per input group (clean, then each frequency group of corruptions) and codec:
mean PSNR against the codec's input (generalisation) and against the clean
image (robustness), over every input of the group. A group is shown only
where every codec has a value on every one of its inputs. A winner is named
only when the 95% bootstrap interval of its lead over the runner-up excludes 0.
"""

from __future__ import annotations

import numpy as np

from . import bootstrap
from .cases import Cell, missing, same_cases_mean
from .context import Context
from .model import Note, Section, write_csv
from .plotting import MARKER_SIZE, figure
from .rundata import Variant

MEASURES = (("psnr", "generalisation: PSNR vs codec input (dB)"),
            ("psnr_wrt_clean", "robustness: PSNR vs clean image (dB)"))
COLUMNS = ("group", "measure", "codec", "bpp", "inputs", "value", "ci_low", "ci_high", "resamples_dropped", "winner",
           "note")


def scopes(ctx: Context) -> list[tuple[str, list[Variant]]]:
    analysis = ctx.analysis
    out = [("clean", [analysis.clean])] if analysis.clean else []
    return out + [(g, analysis.group_variants(g)) for g in analysis.groups()]


def headline_section(ctx: Context) -> Section:
    section = Section("Generalisation and robustness, with uncertainty")
    analysis = ctx.analysis
    codecs, t = analysis.codecs, analysis.bpp
    if len(codecs) < 1 or not np.isfinite(t):
        ctx.skip("Headline per input group", "no competing codec or no matched rate")
        return section
    w = bootstrap.weights(len(analysis.images), ctx.options.resamples, ctx.options.seed)
    results, rows, dropped = {}, [], []
    for group, variants in scopes(ctx):
        for quantity, label in MEASURES:
            if group == "clean" and quantity == "psnr_wrt_clean":
                continue  # on clean input, PSNR vs clean is PSNR vs input
            cells = {}
            for codec in codecs:
                for v in variants:
                    curve = analysis.curve(v, codec)
                    cells[(codec, v)] = Cell(*curve.value_at(quantity, t)) if curve else missing(
                        ctx.absence(codec, v))
            means, why = same_cases_mean(cells, codecs, variants, ctx.variant_name)
            if why:
                ctx.skip(f"Headline, {group}: {label}", why)
                continue
            samples = {c: np.mean([bootstrap.resampled_at(analysis.curve(v, c), quantity, t, w) for v in variants],
                                  axis=0) for c in codecs}
            verdict, winner = decide(group, label, {c: means[c].value for c in codecs}, samples)
            section_rows = []
            for codec in codecs:
                low, high, lost = bootstrap.interval(samples[codec])
                note = f"{lost} of {len(w)} resamples fall outside the curve at {t:.3g} bpp" if lost else ""
                if lost:
                    dropped.append(f"{codec} {group} {quantity}: {lost}")
                section_rows.append([group, quantity, codec, t, len(variants), means[codec].value, low, high, lost,
                                     codec == winner, note])
            rows += section_rows
            results[(group, quantity)] = (section_rows, verdict)
    if not results:
        return section
    name = write_csv(ctx.out, "headline.csv", COLUMNS, rows)
    section.items.append(dot_plot(ctx, results))
    verdicts = [v for _, v in results.values()]
    lost = (f" Resamples dropped because their resampled mean curve does not reach {t:.3g} bpp (intervals from the "
            f"rest; of {len(w)} each): {', '.join(dropped)}." if dropped else " No resample was dropped.")
    section.items.append(Note("Verdicts (95% bootstrap intervals over images, paired resamples, "
                              f"{ctx.options.resamples} resamples, seed {ctx.options.seed}): " + "; ".join(verdicts)
                              + "." + lost + " Every value with its interval is in", name))
    return section


def decide(group: str, label: str, values: dict[str, float], samples: dict[str, np.ndarray]) -> tuple[str, str | None]:
    """A sentence naming the best codec only when its lead over the runner-up is outside the interval."""
    what = f"{group}, {label.split(':')[0]}"
    ranked = sorted(values, key=lambda c: -values[c])
    if len(ranked) == 1:
        return f"{what}: only {ranked[0]} ({values[ranked[0]]:.2f} dB)", None
    best, second = ranked[:2]
    low, high, lost = bootstrap.interval(samples[best] - samples[second])
    lead = values[best] - values[second]
    ci = f"95% CI {low:.3g} to {high:.3g} dB" + (f", {lost} of {len(samples[best])} resamples dropped" if lost else "")
    if np.isfinite(low) and low > 0:
        return f"{what}: {best} best, {lead:.3g} dB ahead of {second} ({ci})", best
    return f"{what}: no clear winner, {best} leads {second} by {lead:.3g} dB but the lead's {ci}", None


def dot_plot(ctx: Context, results: dict):
    """Per measure a panel: for each group, each codec's mean with its interval (whiskers)."""
    codecs = ctx.analysis.codecs
    groups = list(dict.fromkeys(g for g, _ in results))
    fig, axes = figure(1, 2, width=max(3.4, 0.9 * len(groups) + 0.25 * len(codecs)), height=3.0)
    width = 0.8 / max(1, len(codecs))
    for ax, (quantity, label) in zip(axes.flat, MEASURES):
        for k, codec in enumerate(codecs):
            xs, ys, lows, highs = [], [], [], []
            for i, group in enumerate(groups):
                found = results.get((group, quantity))
                if not found:
                    continue
                row = next(r for r in found[0] if r[2] == codec)
                xs.append(i + (k - (len(codecs) - 1) / 2) * width)
                ys.append(row[5])
                lows.append(row[6])
                highs.append(row[7])
            style = ctx.styles[codec]
            ax.vlines(xs, lows, highs, color=style.colour, linewidth=1.2)
            ax.plot(xs, ys, style.marker, markersize=MARKER_SIZE, color=style.colour, label=codec)
        ax.set_xticks(range(len(groups)), groups)
        ax.set_xlabel("input group")
        ax.set_ylabel(label.split(": ")[1])
        ax.set_title(label)
    axes.flat[0].legend(title="codec")
    return ctx.figure(
        fig, "headline-by-group", "Generalisation vs robustness per input group",
        f"Mean over the inputs of each group at {ctx.analysis.bpp:.4g} bpp, with 95% bootstrap intervals over "
        f"{ctx.images_phrase()} (whiskers; {ctx.options.resamples} resamples, seed {ctx.options.seed}): left, PSNR "
        "against the codec's own input; right, PSNR against the clean image (on clean input both are the same, shown "
        "left only). A group appears only where every codec has a value on every input of the group.")
