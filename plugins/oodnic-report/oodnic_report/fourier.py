"""Fourier heat maps (Yin et al., 2019): array groups of metric ``fourier_heatmap`` in the run folder.

``oodnic fourier-heatmap`` adds one group per codec and quality through
:func:`oodnic_platform.results.save_arrays`: K x K maps ``psnr_input`` (PSNR
against the perturbed input) and ``psnr_clean`` (against the clean crop) over
basis frequencies ``frequencies`` (cycles per crop), described by the group's
meta (codec, quality, ...) and its metadata (grid, eps, crop, images, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .context import Context
from .model import Section
from .plotting import figure
from .spectra_section import FOURIER

MAPS = (("psnr_input", "PSNR vs perturbed input"), ("psnr_clean", "PSNR vs clean crop"))


def fourier_section(ctx: Context) -> Section:
    section = Section("Fourier heat maps")
    groups = ctx.data.arrays(FOURIER)
    if not groups:
        ctx.skip("Fourier heat maps", f"no {FOURIER} array group in the run folder (run `oodnic fourier-heatmap` "
                 "with this run folder to add them)")
        return section
    maps = []
    for group in groups:
        arrays = group.load([key for key, _ in MAPS] + ["frequencies", "psnr_unperturbed"])
        facts = {**group.metadata(), **group.meta}
        if all(k in arrays and np.ndim(arrays[k]) == 2 for k, _ in MAPS):
            maps.append((arrays, facts))
        else:
            ctx.skip(f"Fourier heat map {facts.get('codec', group.group_id)} q={facts.get('quality', '?')}",
                     "lacks the 2-D psnr_input / psnr_clean maps")
    if maps:
        section.items.append(heat_maps(ctx, maps))
    return section


def describe(facts: dict[str, Any]) -> str:
    images = facts.get("images", facts.get("image_names", "?"))
    count = len(images) if isinstance(images, list) else images
    return (f"{facts.get('codec', '?')} q={facts.get('quality', '?')} on {count} image(s) of "
            f"{facts.get('dataset', '?')} (crop {facts.get('crop', '?')} px, eps {facts.get('eps', '?')})")


def heat_maps(ctx: Context, maps: list[tuple[dict[str, np.ndarray], dict[str, Any]]]):
    """One row per heat map: PSNR vs perturbed input, vs clean crop, and its change from the unperturbed crop's
    PSNR; each panel on its own colour scale (the structure is a few hundredths of a dB)."""
    from matplotlib.colors import CenteredNorm

    fig, axes = figure(len(maps), len(MAPS) + 1, width=3.0, height=2.6)
    for i, (arrays, facts) in enumerate(maps):
        panels = [(arrays[k], label, "magma", None) for k, label in MAPS]
        if "psnr_unperturbed" in arrays and np.isfinite(arrays["psnr_unperturbed"]):
            change = arrays["psnr_clean"] - float(arrays["psnr_unperturbed"])
            panels.append((change, f"change vs unperturbed ({float(arrays['psnr_unperturbed']):.2f} dB)", "RdBu",
                           CenteredNorm(0.0) if np.isfinite(change).any() else None))
        else:
            ctx.skip(f"Fourier heat map {describe(facts)}: change vs unperturbed",
                     "no finite psnr_unperturbed: the group predates it, or the crops were coded losslessly")
        for j, ax in enumerate(axes[i]):
            if j >= len(panels):
                ax.set_visible(False)
                continue
            grid, label, cmap, norm = panels[j]
            freqs = arrays.get("frequencies", np.arange(grid.shape[0]) - grid.shape[0] // 2)
            lo, hi = float(np.min(freqs)) - 0.5, float(np.max(freqs)) + 0.5
            image = ax.imshow(grid, cmap=cmap, norm=norm, origin="lower", extent=(lo, hi, lo, hi))
            ax.grid(False)
            ax.set_xlabel("basis f_x (cycles per crop)")
            ax.set_ylabel("basis f_y (cycles per crop)")
            images = f", {facts['images']} image{'s' if facts['images'] != 1 else ''}" if "images" in facts else ""
            ax.set_title(f"{facts.get('codec', '?')} q={facts.get('quality', '?')}{images}:\n{label}")
            fig.colorbar(image, ax=ax, label="PSNR (dB)" if norm is None else "change in PSNR (dB)", shrink=0.9)
    return ctx.figure(
        fig, "fourier-heatmaps", "Fourier heat maps",
        "Mean PSNR of the codec's output when one Fourier basis perturbation of the given frequency is added to the "
        "input (Yin et al., 2019): left against the perturbed input, middle against the clean crop, right the change "
        "of the middle map from the PSNR of the clean crop coded unperturbed (blue: the perturbation costs PSNR); "
        "centre = lowest frequency; each panel on its own colour scale (its bar beside it). Rows: "
        + "; ".join(describe(f) for _, f in maps) + ".")
