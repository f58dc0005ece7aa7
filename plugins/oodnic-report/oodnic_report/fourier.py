"""Fourier heat maps (Yin et al., 2019) found in the run directory, as written by ``oodnic fourier-heatmap``.

Each ``fourier_heatmap_*.npz`` holds K x K maps ``psnr_input`` (PSNR against
the perturbed input) and ``psnr_clean`` (against the clean crop) over basis
frequencies ``frequencies`` (cycles per crop), with a JSON ``metadata``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .context import Context
from .model import Section
from .plotting import figure

PATTERN = "fourier_heatmap_*.npz"
MAPS = (("psnr_input", "PSNR vs perturbed input (dB)"), ("psnr_clean", "PSNR vs clean crop (dB)"))


def find_heatmaps(run_dir: Path, exclude: Path) -> list[Path]:
    """Heat-map files anywhere below ``run_dir``, except inside ``exclude`` (the report's own folder)."""
    exclude = exclude.resolve()
    found = [p for p in run_dir.rglob(PATTERN) if exclude not in p.resolve().parents]
    return sorted(found, key=lambda p: p.relative_to(run_dir).as_posix())


def read_heatmap(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != "metadata"}
        meta = json.loads(str(data["metadata"])) if "metadata" in data.files else {}
    return arrays, meta


def fourier_section(ctx: Context) -> Section:
    section = Section("Fourier heat maps")
    paths = find_heatmaps(ctx.data.run_dir, ctx.out)
    if not paths:
        ctx.skip("Fourier heat maps", f"no {PATTERN} below {ctx.data.run_dir} (run `oodnic fourier-heatmap --out "
                 f"{ctx.data.run_dir}/fourier ...` to add them)")
        return section
    maps = []
    for path in paths:
        try:
            arrays, meta = read_heatmap(path)
        except (OSError, ValueError) as exc:
            ctx.skip(f"Fourier heat map {path.name}", f"unreadable: {exc}")
            continue
        if all(k in arrays and np.ndim(arrays[k]) == 2 for k, _ in MAPS):
            maps.append((path, arrays, meta))
        else:
            ctx.skip(f"Fourier heat map {path.name}", "lacks the 2-D psnr_input / psnr_clean maps")
    if maps:
        section.items.append(heat_maps(ctx, maps))
    return section


def heat_maps(ctx: Context, maps: list[tuple[Path, dict[str, np.ndarray], dict[str, Any]]]):
    """One row per heat-map file, columns PSNR vs perturbed input and vs clean; one colour scale per column."""
    fig, axes = figure(len(maps), len(MAPS), width=3.2, height=2.8)
    described = []
    for j, (key, label) in enumerate(MAPS):
        values = np.concatenate([m[1][key][np.isfinite(m[1][key])].ravel() for m in maps])
        vmin, vmax = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
        for i, (path, arrays, meta) in enumerate(maps):
            ax = axes[i, j]
            grid = arrays[key]
            freqs = arrays.get("frequencies", np.arange(grid.shape[0]) - grid.shape[0] // 2)
            lo, hi = float(freqs.min()) - 0.5, float(freqs.max()) + 0.5
            image = ax.imshow(grid, cmap="magma", vmin=vmin, vmax=vmax, origin="lower", extent=(lo, hi, lo, hi))
            ax.grid(False)
            ax.set_xlabel("basis f_x (cycles per crop)")
            ax.set_ylabel("basis f_y (cycles per crop)")
            ax.set_title(f"{meta.get('codec', path.stem)} q={meta.get('quality', '?')}\n{label.split(' (')[0]}",
                         fontsize=8)
            fig.colorbar(image, ax=ax, label="PSNR (dB)")
    for path, _, meta in maps:
        images = meta.get("image_names") or []
        plural = "s" if len(images) != 1 else ""
        described.append(f"{meta.get('codec', path.stem)} q={meta.get('quality', '?')} on {len(images)} image{plural} "
                         f"of {meta.get('dataset', '?')} (crop {meta.get('crop', '?')} px, eps {meta.get('eps', '?')}, "
                         f"file {path.relative_to(ctx.data.run_dir).as_posix()})")
    return ctx.figure(
        fig, "fourier-heatmaps", "Fourier heat maps",
        "Mean PSNR of the codec's output when a single Fourier basis perturbation of the given frequency is added "
        "to the input (Yin et al., 2019): left against the perturbed input, right against the clean crop; centre = "
        "lowest frequency, shared colour scale per column. Rows: " + "; ".join(described) + ".")
