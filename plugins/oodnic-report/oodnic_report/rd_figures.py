"""RD curves: per codec on clean input and each corruption (small multiples), and per frequency group."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .analysis import GROUPS
from .context import Context
from .curves import QUANTITIES, Curve, build_curves
from .model import Section
from .plotting import codec_colours, figure
from .rundata import CLEAN

BPP_LABEL = "rate (bpp, bits per pixel)"
METRIC_NAMES = {"psnr": "PSNR", "ms_ssim": "MS-SSIM"}


def variant_title(corruption: str, severity: int, frequency: str) -> str:
    return "clean input" if corruption == "clean" else f"{corruption} ({frequency}), severity {severity}"


def draw_curves(ax, curves: dict[str, Curve], quantity: str, colours: dict, bpp: float | None = None) -> bool:
    """Plot each codec's curve; False when no curve has a finite point."""
    drawn = False
    for codec, curve in sorted(curves.items()):
        x, y = curve.finite(quantity)
        if len(x):
            ax.plot(x, y, marker="o", markersize=3, linewidth=1.2, color=colours[codec], label=codec)
            drawn = True
    if bpp is not None and np.isfinite(bpp):
        ax.axvline(bpp, color="0.5", linestyle=":", linewidth=1)
    ax.set_xlabel(BPP_LABEL)
    ax.set_ylabel(QUANTITIES[quantity])
    return drawn


def small_multiples(ctx: Context, panels: list[tuple[str, dict[str, Curve]]], quantity: str, stem: str,
                    title: str, caption: str, section: Section) -> None:
    """One panel per (title, curves); a shared legend; skipped (with the reason) when nothing is finite."""
    colours = codec_colours(ctx.analysis.codecs)
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = figure(rows, cols)
    drawn = False
    for ax, (panel_title, curves) in zip(axes.flat, panels):
        drawn |= draw_curves(ax, curves, quantity, colours, ctx.analysis.bpp)
        ax.set_title(panel_title)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    if not drawn:
        import matplotlib.pyplot as plt

        plt.close(fig)
        ctx.skip(title, f"no finite {METRIC_NAMES[quantity]} value in the results")
        return
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat[: len(panels)]:
        for h, l in zip(*ax.get_legend_handles_labels()):
            if l not in labels:
                handles.append(h)
                labels.append(l)
    fig.legend(handles, labels, loc="outside lower center", ncols=min(6, len(labels)), title="codec")
    section.items.append(ctx.figure(fig, stem, title, caption))


def rd_section(ctx: Context) -> Section:
    section = Section("Rate-distortion curves")
    analysis = ctx.analysis
    severity = analysis.reference_severity()
    variants = [CLEAN] if CLEAN in analysis.curves else []
    variants += [(c, severity) for c in analysis.corruptions if (c, severity) in analysis.curves]
    images = set().union(*(c.images for v in variants for c in analysis.curves[v].values()))
    panels = [(variant_title(c, s, analysis.frequency.get(c, "")), analysis.curves[(c, s)]) for c, s in variants]
    where = "clean input and each corruption" + (f" at severity {severity}" if severity is not None else "")
    for quantity in ("psnr", "ms_ssim"):
        name = METRIC_NAMES[quantity]
        small_multiples(
            ctx, panels, quantity, f"rd-{quantity}-by-input", f"{name} against bpp per codec and input",
            f"{QUANTITIES[quantity]} against bits per pixel of each codec, one panel per input ({where}). "
            f"Each point is one quality setting: bpp and {name} averaged over {ctx.images_phrase(images)}. "
            f"The dotted line marks the matched rate {analysis.bpp:.3g} bpp used in the robustness tables.",
            section)
    group_panels, group_images = group_curves(ctx)
    if len(group_panels) > 1 or ctx.analysis.corruptions:
        for quantity in ("psnr", "ms_ssim"):
            name = METRIC_NAMES[quantity]
            small_multiples(
                ctx, group_panels, quantity, f"rd-{quantity}-by-frequency", f"{name} against bpp per frequency group",
                f"{QUANTITIES[quantity]} against bits per pixel per codec, one panel per input group: clean input and "
                "the corruptions grouped by the frequency band they mostly affect (low, medium, high). Each point "
                f"averages one quality setting over every corruption and severity of the group and over "
                f"{ctx.images_phrase(group_images)}.", section)
    else:
        ctx.skip("RD curves per frequency group", "the run has no corrupted input")
    return section


def group_curves(ctx: Context) -> tuple[list[tuple[str, dict[str, Curve]]], set[str]]:
    """Curves of each codec averaged over every row of each frequency group (clean first)."""
    by_group: dict[str, list[dict]] = defaultdict(list)
    for row in ctx.data.rows:
        by_group[row["frequency"]].append(row)
    panels, images = [], set()
    for group in ("clean", *GROUPS):
        if by_group.get(group):
            curves = build_curves(by_group[group], ctx.analysis.label)
            images |= {r["image"] for r in by_group[group]}
            title = "clean input" if group == "clean" else f"{group}-frequency corruptions"
            panels.append((title, curves))
    return panels, images
