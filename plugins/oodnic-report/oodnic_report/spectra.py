"""Error spectra from the arrays table: D / G / R heat maps (codec x input) and radial profiles.

Any accumulating metric whose finalized arrays hold 2-D ``D`` (clean input),
``G`` (reconstruction minus corrupted input) or ``R`` (reconstruction minus
clean image) spectra is shown, as oodnic-spectral writes them: fftshift-ed
planes with optional ``freq_y`` / ``freq_x`` axes, ``<X>_radial`` profiles
over ``radial_frequency``, and a ``mode`` in the metadata.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from .context import Context
from .model import Section
from .plotting import figure
from .rundata import CLEAN, ArrayGroup

KINDS = ("D", "G", "R")
KIND_TEXT = {"D": "D = x^ - x on clean input", "G": "G = x^ - x~ (generalisation)", "R": "R = x^ - x (robustness)"}
#: Longest side of a heat-map cell after block averaging (keeps PNG and SVG small).
MAX_CELL = 128
Cell = tuple[str, tuple[str, int]]  # (codec label, variant)


def units(meta: dict[str, Any]) -> str:
    """A short colour-bar / axis label for the metric's spectra (the full definition is in its metadata)."""
    mode = meta.get("mode")
    if mode == "power":
        return "error power"
    if mode == "paper":
        return "|F| (paper mode)"
    return "spectral magnitude"


def _definition(meta: dict[str, Any]) -> str:
    return f" Values ({meta.get('mode', 'unknown')} mode): {meta['units']}." if meta.get("units") else ""


def shrink(plane: np.ndarray, size: int = MAX_CELL) -> np.ndarray:
    """Block-average a 2-D array so that its longer side is at most ``size``."""
    factor = max(1, math.ceil(max(plane.shape) / size))
    if factor == 1:
        return plane
    h, w = (plane.shape[0] // factor) * factor, (plane.shape[1] // factor) * factor
    return plane[:h, :w].reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3))


def matched_quality(ctx: Context, codec: str) -> Any:
    """The codec's quality whose clean-input mean bpp is nearest (in log bpp) to the matched bpp."""
    curves = ctx.analysis.curves.get(CLEAN) or next(iter(ctx.analysis.curves.values()), {})
    curve = curves.get(codec)
    if curve is None or not np.isfinite(ctx.analysis.bpp):
        return None
    finite = np.isfinite(curve.bpp) & (curve.bpp > 0)
    if not finite.any():
        return None
    distance = np.where(finite, np.abs(np.log(np.where(finite, curve.bpp, 1.0)) - math.log(ctx.analysis.bpp)), np.inf)
    return curve.qualities[int(np.argmin(distance))]


def select(ctx: Context) -> tuple[dict[str, dict[Cell, ArrayGroup]], dict[str, Any], int | None]:
    """metric -> {(codec, variant): group} at each codec's matched quality and the reference severity."""
    severity = ctx.analysis.reference_severity()
    qualities = {codec: matched_quality(ctx, codec) for codec in ctx.analysis.codecs}
    wanted = {CLEAN, *((c, severity) for c in ctx.analysis.corruptions)}
    chosen: dict[str, dict[Cell, ArrayGroup]] = defaultdict(dict)
    for group in ctx.data.arrays:
        codec = ctx.analysis.label({k: group.meta.get(k) for k in ("codec", "codec_settings")})
        quality = qualities.get(codec)
        if quality is None or group.variant not in wanted or not _same(group.meta.get("quality"), quality):
            continue
        if any(k in KINDS for k in group.keys()):
            chosen[group.metric][(codec, group.variant)] = group
    return dict(sorted(chosen.items())), qualities, severity


def _same(a: Any, b: Any) -> bool:
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return a == b


def spectra_section(ctx: Context) -> Section:
    section = Section("Error spectra")
    if not ctx.data.arrays:
        ctx.skip("Error spectra (D, G, R)", "the arrays table is empty: no accumulating spectral metric ran "
                 "(install oodnic-spectral and run with its metrics)")
        return section
    chosen, qualities, severity = select(ctx)
    if not chosen:
        ctx.skip("Error spectra (D, G, R)", "no finalized array holds D, G or R spectra at the matched qualities")
        return section
    for metric, cells in chosen.items():
        for kind in ("G", "R"):
            if any(kind in g.keys() for g in cells.values()):
                section.items.append(heat_grid(ctx, metric, cells, kind, qualities, severity))
            else:
                ctx.skip(f"{metric}: {kind} spectra", "no corrupted input in the arrays of this metric")
        section.items.append(radial_plot(ctx, metric, cells, qualities, severity))
    return section


def _columns(ctx: Context, cells: dict[Cell, ArrayGroup], severity: int | None) -> list[tuple[str, int]]:
    present = {variant for _, variant in cells}
    return [v for v in [CLEAN, *((c, severity) for c in ctx.analysis.corruptions)] if v in present]


def _quality_text(qualities: dict[str, Any], codecs: list[str]) -> str:
    return ", ".join(f"{c} q={qualities[c]}" for c in codecs)


def heat_grid(ctx: Context, metric: str, cells: dict[Cell, ArrayGroup], kind: str, qualities: dict[str, Any],
              severity: int | None):
    """Rows codecs, columns inputs: D on clean input, ``kind`` on each corruption; log scale shared per row."""
    from matplotlib.colors import LogNorm

    codecs = sorted({codec for codec, _ in cells})
    columns = _columns(ctx, cells, severity)
    fig, axes = figure(len(codecs), len(columns), width=1.9, height=1.6, sharex=True, sharey=True)
    meta, counts = {}, []
    for i, codec in enumerate(codecs):
        planes = {}
        for variant in columns:
            group = cells.get((codec, variant))
            key = "D" if variant == CLEAN else kind
            arrays = group.load([key, "freq_x", "freq_y", "count"]) if group else {}
            if key in arrays and np.ndim(arrays[key]) == 2:
                planes[variant] = (shrink(np.asarray(arrays[key], float)), arrays)
                meta = group.meta
                counts.append(int(np.sum(arrays.get("count", [0]))))
        positive = np.concatenate([p[p > 0].ravel() for p, _ in planes.values()]) if planes else np.array([])
        norm = None
        if len(positive):
            vmax = float(positive.max())
            norm = LogNorm(vmin=max(float(positive.min()), vmax * 1e-6), vmax=vmax)
        image = None
        for j, variant in enumerate(columns):
            ax = axes[i, j]
            ax.grid(False)
            title = "clean: D" if variant == CLEAN else f"{variant[0]}: {kind}"
            ax.set_title(title if i == 0 else "", fontsize=7)
            if variant not in planes or norm is None:
                ax.text(0.5, 0.5, "n/a", ha="center", va="center", transform=ax.transAxes)
                ax.set_xticks([])
                ax.set_yticks([])
                continue
            plane, arrays = planes[variant]
            fx, fy = arrays.get("freq_x", np.array([-0.5, 0.5])), arrays.get("freq_y", np.array([-0.5, 0.5]))
            image = ax.imshow(np.where(plane > 0, plane, np.nan), norm=norm, cmap="inferno", origin="lower",
                              extent=(float(fx.min()), float(fx.max()), float(fy.min()), float(fy.max())),
                              aspect="auto")
            ax.tick_params(labelsize=6)
            ax.set_xlabel("f_x (cycles/pixel)", fontsize=7)
            ax.set_ylabel(f"{codec}\nf_y (cycles/pixel)", fontsize=7)
            ax.label_outer()
        if image is not None:
            fig.colorbar(image, ax=list(axes[i, :]), label=units(meta), shrink=0.9).ax.tick_params(labelsize=6)
    sev = f" at severity {severity}" if severity is not None else ""
    images = max(counts, default=0)
    return ctx.figure(
        fig, f"spectra-{metric}-{kind}", f"{metric}: error spectra D and {kind}, codec x input",
        f"Mean 2-D Fourier spectrum of the coding error ({KIND_TEXT['D']}; {KIND_TEXT[kind]}) per codec (rows) "
        f"and input (columns: clean, then each corruption{sev}), from the {metric} arrays; log colour scale shared "
        f"along each row; DC at the centre. Each codec at the quality nearest {ctx.analysis.bpp:.3g} bpp on clean "
        f"input ({_quality_text(qualities, codecs)}); up to {ctx.images_phrase(images)} per cell. "
        f"Block-averaged to at most {MAX_CELL} px per side for display." + _definition(meta))


def radial_plot(ctx: Context, metric: str, cells: dict[Cell, ArrayGroup], qualities: dict[str, Any],
                severity: int | None):
    """Per codec: radial error spectra of G (left) and R (right) per corruption, with clean D as reference."""
    codecs = sorted({codec for codec, _ in cells})
    columns = _columns(ctx, cells, severity)
    corrupted = [v for v in columns if v != CLEAN]
    kinds = ("G", "R") if corrupted else ("D",)
    fig, axes = figure(len(codecs), len(kinds), width=3.6, height=2.4)
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    meta, counts, labels = {}, [], {}
    for i, codec in enumerate(codecs):
        for j, kind in enumerate(kinds):
            ax = axes[i, j]
            for n, variant in enumerate(columns):
                key = "D" if variant == CLEAN else kind
                group = cells.get((codec, variant))
                arrays = group.load([f"{key}_radial", "radial_frequency", "count"]) if group else {}
                profile = arrays.get(f"{key}_radial")
                if profile is None:
                    continue
                meta = group.meta
                counts.append(int(np.sum(arrays.get("count", [0]))))
                freq = arrays.get("radial_frequency", np.linspace(0, 0.5 * math.sqrt(2), len(profile)))
                keep = np.isfinite(profile) & (profile > 0)
                name = "clean (D)" if variant == CLEAN else variant[0]
                style = {"color": "black", "linewidth": 1.5} if variant == CLEAN else {
                    "color": cmap(n % 10), "linestyle": ("-", "--", ":")[(n // 10) % 3], "linewidth": 1.0}
                (line,) = ax.plot(freq[keep], profile[keep], label=name, **style)
                labels.setdefault(name, line)
            ax.set_yscale("log")
            ax.set_xlabel("radial frequency (cycles/pixel)")
            ax.set_ylabel(units(meta))
            ax.set_title(f"{codec}: {KIND_TEXT[kind]}", fontsize=8)
    fig.legend(list(labels.values()), list(labels), loc="outside right center", title="input", fontsize=6)
    sev = f" at severity {severity}" if severity is not None else ""
    return ctx.figure(
        fig, f"spectra-{metric}-radial", f"{metric}: radial error spectra per codec",
        f"Radially averaged error spectra from the {metric} arrays, one row per codec"
        + (f": left G (x^ - x~), right R (x^ - x) for each corruption{sev}; black, D" if corrupted else ": D")
        + f" on clean input. Log scale. Codecs at the quality nearest "
        f"{ctx.analysis.bpp:.3g} bpp on clean input ({_quality_text(qualities, codecs)}); up to "
        f"{ctx.images_phrase(max(counts, default=0))}." + _definition(meta))
