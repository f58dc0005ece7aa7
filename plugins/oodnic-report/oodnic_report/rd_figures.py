"""RD curves: per input at the reference severity, PSNR vs clean per corruption and severity, and per group."""

from __future__ import annotations

import numpy as np

from .context import Context
from .curves import QUANTITIES, Curve
from .model import Section
from .plotting import MARKER_SIZE, CodecStyle, figure, grid, legend
from .robustness import input_quality
from .rundata import Variant

BPP_LABEL = "rate (bpp, bits per pixel)"
NAMES = {"psnr": "PSNR", "ms_ssim_db": "MS-SSIM (dB)", "psnr_wrt_clean": "PSNR vs clean"}


def draw(ax, curves: dict[str, Curve], quantity: str, styles: dict[str, CodecStyle], **style) -> bool:
    """Each codec's curve; lossless points as triangles on the top edge. False when nothing was drawn."""
    drawn = False
    for codec, curve in sorted(curves.items()):
        x, y = curve.finite(quantity)
        if len(x):
            ax.plot(x, y, marker=style.get("marker", styles[codec].marker), markersize=MARKER_SIZE,
                    linewidth=style.get("linewidth", 1.2), linestyle=style.get("linestyle", "-"),
                    alpha=style.get("alpha", 1.0), color=styles[codec].colour,
                    label=style.get("label", "{}").format(codec))
            drawn = True
        lossless = curve.lossless(quantity)
        if lossless and style.get("lossless", True):
            rates = [curve.mean_bpp[curve.qualities.index(q)] for q in lossless]
            ax.plot(rates, [1.0] * len(rates), marker="^", linestyle="none", color=styles[codec].colour, clip_on=False,
                    transform=ax.get_xaxis_transform(), label="lossless point (PSNR inf)")
    return drawn


def rd_section(ctx: Context) -> Section:
    section = Section("Rate-distortion curves")
    by_input(ctx, section)
    for quantity in ("psnr_wrt_clean", "psnr"):
        for group in ctx.analysis.groups():
            per_severity(ctx, group, section, quantity)
    by_group(ctx, section)
    return section


def by_input(ctx: Context, section: Section) -> None:
    analysis = ctx.analysis
    severity = analysis.reference_severity()
    variants = ([analysis.clean] if analysis.clean else []) + [(c, severity) for c in analysis.corruptions
                                                                if (c, severity) in analysis.curves]
    competing = {v: {c: k for c, k in analysis.curves[v].items() if c not in analysis.baselines} for v in variants}
    for quantity in ("psnr", "ms_ssim_db"):
        cols = min(4, len(variants))
        fig, axes = grid(-(-len(variants) // cols), cols, width=2.9, height=2.3,
                         legend_rows=-(-(len(analysis.codecs) + 1) // 5))
        drawn = False
        for ax, variant in zip(axes.flat, variants):
            drawn |= draw(ax, competing[variant], quantity, ctx.styles)
            set_rate_axis(ctx, ax)
            ax.axvline(analysis.bpp, color="0.5", linestyle=":", linewidth=1)
            ax.set_title(title(ctx, variant))
            ax.set_xlabel(BPP_LABEL)
            ax.set_ylabel(QUANTITIES[quantity])
        for ax in axes.flat[len(variants):]:
            ax.set_visible(False)
        name = NAMES[quantity]
        if not drawn:
            close(fig)
            ctx.skip(f"{name} against bpp per input", f"no finite {name} value in the results")
            continue
        legend(fig, axes.flat)
        where = "clean input and each corruption" + (f" at severity {severity}" if severity is not None else "")
        section.items.append(ctx.figure(
            fig, f"rd-{quantity}-by-input", f"{name} against bpp per codec and input",
            f"{QUANTITIES[quantity]} against bits per pixel, one panel per input ({where}). Each point is one quality: "
            f"bpp and {name} averaged over the same {ctx.images_phrase()}. Dotted line: the matched rate "
            f"{analysis.bpp:.3g} bpp of the robustness tables. Triangles on the top edge: lossless points (infinite "
            "PSNR), not part of the curve." + baseline_text(ctx)))


def baseline_text(ctx: Context) -> str:
    if not ctx.analysis.baselines:
        return ""
    return (f" Lossless baselines ({', '.join(ctx.analysis.baselines)}) have infinite PSNR vs their input and are "
            "drawn as a level in the PSNR-vs-clean panels only.")


def title(ctx: Context, variant: Variant) -> str:
    if variant == ctx.analysis.clean:
        return "clean input"
    return f"{variant[0]} ({ctx.analysis.frequency.get(variant[0], '')}), severity {variant[1]}"


def close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


PER_SEVERITY = {
    "psnr_wrt_clean": ("PSNR vs the clean image", "Robustness as in the paper: PSNR of the reconstruction of the "
                       "corrupted input against the clean image"),
    "psnr": ("PSNR vs the codec input", "Generalisation: PSNR of the reconstruction against the corrupted input "
             "the codec was given"),
}


def per_severity(ctx: Context, group: str, section: Section, quantity: str) -> None:
    """``quantity``: one row per corruption of ``group``, one panel per severity, the clean-input curve overlaid."""
    analysis = ctx.analysis
    corruptions = [c for c in analysis.corruptions if analysis.frequency.get(c) == group]
    severities = analysis.severities()
    clean = {c: k for c, k in analysis.curves.get(analysis.clean, {}).items() if c not in analysis.baselines}
    labels = 2 * len(analysis.codecs) + 1
    fig, axes = grid(len(corruptions), len(severities), width=2.4, height=2.0, sharey="row",
                     legend_rows=-(-labels // max(1, min(5, int((2.4 * len(severities) + 0.8) / 1.7)))))
    for i, corruption in enumerate(corruptions):
        for j, severity in enumerate(severities):
            ax = axes[i, j]
            variant = (corruption, severity)
            if variant not in analysis.curves:
                ax.text(0.5, 0.5, "not run", ha="center", va="center", transform=ax.transAxes)
                ax.set_title(f"{corruption}, severity {severity}")
                continue
            draw(ax, clean, quantity, ctx.styles, linestyle="--", linewidth=0.8, alpha=0.55, marker="",
                 label="{} on clean input", lossless=False)
            competing = {c: k for c, k in analysis.curves[variant].items() if c not in analysis.baselines}
            draw(ax, competing, quantity, ctx.styles)
            set_rate_axis(ctx, ax)
            level = input_quality(ctx, variant)
            if level.ok and quantity == "psnr_wrt_clean":
                ax.axhline(level.value, color="0.3", linestyle=":", linewidth=1, label="uncompressed corrupted input")
            ax.set_title(f"{corruption}, severity {severity}")
            ax.set_xlabel(BPP_LABEL)
            ax.set_ylabel(QUANTITIES[quantity] if j == 0 else "")
    legend(fig, axes.flat)
    name, what = PER_SEVERITY[quantity]
    level = ("; dotted grey: the corrupted input itself, uncompressed (the lossless baseline), where run"
             if quantity == "psnr_wrt_clean" else "")
    section.items.append(ctx.figure(
        fig, f"rd-{quantity.replace('_', '-')}-{group}", f"{name}, {group}-frequency corruptions, every severity",
        f"{what}, against bpp, one row per corruption and one panel per severity. Solid: each codec on the corrupted "
        f"input; dashed: the same codec on the clean input{level}. Means over the same {ctx.images_phrase()}."))


def set_rate_axis(ctx: Context, ax) -> None:
    """A log bpp axis (plain numbers, no exponents) when the report was asked for one."""
    if ctx.options.log_bpp:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())


def by_group(ctx: Context, section: Section) -> None:
    """Per frequency group, each codec's curve averaged over every input of the group (same inputs for all)."""
    analysis = ctx.analysis
    if not analysis.groups():
        ctx.skip("RD curves per frequency group", "the run has no corrupted input")
        return
    panels = [("clean input", {c: k for c, k in analysis.curves.get(analysis.clean, {}).items()
                               if c not in analysis.baselines})] if analysis.clean else []
    for group in analysis.groups():
        variants = analysis.group_variants(group)
        curves = {}
        for codec in analysis.codecs:
            parts = [analysis.curve(v, codec) for v in variants]
            if any(p is None for p in parts) or len({p.qualities for p in parts}) != 1:
                ctx.skip(f"RD curve of {codec} on the {group}-frequency group",
                         f"{codec} lacks an input of the group or ran other qualities on some: no average over "
                         "the same inputs")
                continue
            curves[codec] = mean_curve(codec, parts)
        panels.append((f"{group}-frequency corruptions ({len(variants)} inputs)", curves))
    for quantity in ("psnr", "psnr_wrt_clean"):
        fig, axes = figure(1, len(panels))
        for ax, (name, curves) in zip(axes.flat, panels):
            draw(ax, curves, quantity, ctx.styles)
            set_rate_axis(ctx, ax)
            ax.set_title(name)
            ax.set_xlabel(BPP_LABEL)
            ax.set_ylabel(QUANTITIES[quantity])
        legend(fig, axes.flat)
        section.items.append(ctx.figure(
            fig, f"rd-{quantity.replace('_', '-')}-by-group", f"{NAMES[quantity]} against bpp per frequency group",
            f"{QUANTITIES[quantity]} against bpp per codec: clean input, then each frequency group averaged over every "
            "corruption and severity of the group (a point counts only where the codec has it on every input of the "
            f"group), over the same {ctx.images_phrase()}."))


def mean_curve(codec: str, parts: list[Curve]) -> Curve:
    """The mean of several curves with the same qualities, as a curve over (inputs x images) rows."""
    return Curve(codec, tuple(i for p in parts for i in p.images), parts[0].qualities,
                 np.concatenate([p.bpp for p in parts]),
                 {k: np.concatenate([p.values[k] for p in parts]) for k in parts[0].values})
