"""Sample crops the runner saved: clean and corrupted inputs and their reconstructions per codec at the matched bpp.

The runner keeps centre crops of one image under ``RUN_DIR/samples``:
``input-<corruption>-<severity>.png`` (the codec's input, ``input-clean-0.png``
for the clean image) and ``<row key>.png`` (that row's reconstruction). The
report copies the crops it shows into its own ``samples/`` folder.
"""

from __future__ import annotations

import math
import shutil

from .context import Context
from .model import ImageCell, ImageGrid, Section, fmt
from .rundata import CLEAN

FOLDER = "samples"


def samples_section(ctx: Context) -> Section:
    section = Section("Sample reconstructions")
    source = ctx.data.run_dir / FOLDER
    if not source.is_dir():
        ctx.skip("Sample reconstructions", f"{source} does not exist: the run was made by an oodnic-platform "
                 "that does not save sample crops")
        return section
    crops = {p.name for p in source.iterdir()}
    rows = [r for r in ctx.data.rows if f"{r['key']}.png" in crops]
    if not rows:
        ctx.skip("Sample reconstructions", f"no reconstruction crop in {source} matches a result row")
        return section
    image = sorted({r["image"] for r in rows})[0]
    rows = [r for r in rows if r["image"] == image]
    severity = ctx.analysis.reference_severity()
    variants = [CLEAN, *((c, severity) for c in ctx.analysis.corruptions)]
    codecs = ctx.analysis.codecs
    target = ctx.analysis.bpp
    grid_rows = []
    for corruption, sev in variants:
        given = source / f"input-{corruption}-{sev}.png"
        chosen = [_nearest([r for r in rows if r["corruption"] == corruption and int(r["severity"] or 0) == sev
                            and ctx.analysis.label(r) == codec], target) for codec in codecs]
        if not given.is_file() and not any(chosen):
            continue
        if corruption == "clean":
            header, text = "clean input", "clean image"
        else:
            header = f"{corruption} ({ctx.analysis.frequency.get(corruption, '')}), severity {sev}"
            text = f"{corruption}, severity {sev}"
        cells = [_cell(ctx, given, text)]
        for row in chosen:
            text = "no crop" if row is None else (
                f"q={row['quality']}, {row['bpp']:.3f} bpp, {fmt(row['psnr'])} dB vs input, "
                f"{fmt(row['psnr_wrt_clean'])} dB vs clean")
            cells.append(_cell(ctx, source / f"{row['key']}.png", text) if row else ImageCell(None, text))
        grid_rows.append((header, tuple(cells)))
    if not grid_rows:
        ctx.skip("Sample reconstructions", f"no crop in {source} for the inputs shown")
        return section
    caption = (f"Centre crops of {image} (1 image, shown pixel for pixel): the codec's input (the clean image in the "
               "first row, a corrupted one below) and each codec's reconstruction at the quality whose bpp on this "
               f"image is nearest {target:.3g} bpp.")
    if severity is not None:
        caption += f" Corrupted inputs at severity {severity}."
    section.items.append(ImageGrid(f"Crops of {image}", caption, ("codec input", *codecs), tuple(grid_rows)))
    return section


def _nearest(rows: list[dict], target: float) -> dict | None:
    candidates = [r for r in rows if r["bpp"] and r["bpp"] > 0]
    if not candidates or not math.isfinite(target) or target <= 0:
        return None
    return min(candidates, key=lambda r: (abs(math.log(r["bpp"]) - math.log(target)), r["key"]))


def _cell(ctx: Context, path, text: str) -> ImageCell:
    """Copy ``path`` into the report's samples folder; an empty cell when it is missing."""
    if not path.is_file():
        return ImageCell(None, f"{text}: no crop")
    target = ctx.out / FOLDER / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return ImageCell(f"{FOLDER}/{path.name}", text)
