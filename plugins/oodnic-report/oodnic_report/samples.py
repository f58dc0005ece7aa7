"""Sample crops the run kept: each codec's reconstruction at one quality per codec, over its input and the clean image.

The crops come from :meth:`oodnic_platform.results.Run.samples` (the codec's
input per variant, and a reconstruction per row of the run's sample image);
the report copies those it shows into its own ``samples/`` folder. The page
flips between reconstruction, codec input and clean image (hover a crop, or
the buttons above the grid), with CSS only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .context import Context
from .model import Crop, CropGrid, CropRow, Section, fmt
from .rundata import Variant

FOLDER = "samples"


def samples_section(ctx: Context) -> Section:
    section = Section("Sample reconstructions")
    crops = ctx.data.samples()
    if not crops:
        ctx.skip("Sample reconstructions", "the run folder holds no sample crops")
        return section
    inputs = {(c.corruption, c.severity): c.path for c in crops if not c.key}
    by_key = {c.key: c.path for c in crops if c.key}
    analysis = ctx.analysis
    rows = [r for r in ctx.data.rows if r["key"] in by_key]
    if not rows:
        ctx.skip("Sample reconstructions", "no reconstruction crop belongs to a successful row")
        return section
    image = rows[0]["image"]
    qualities = {c: analysis.matched_quality(c) for c in analysis.codecs}
    chosen: dict[tuple[str, Variant], dict] = {}
    for row in rows:
        codec = analysis.label(row)
        if codec in qualities and row["image"] == image and str(row["quality"]) == str(qualities[codec]):
            chosen[(codec, (row["corruption"], int(row["severity"] or 0)))] = row
    severity = analysis.reference_severity()
    clean = inputs.get(analysis.clean) if analysis.clean else None
    grid_rows = []
    for variant in ([analysis.clean] if analysis.clean else []) + [(c, severity) for c in analysis.corruptions]:
        given = inputs.get(variant)
        cards = [Crop("codec input", ctx.variant_name(variant), None, copy(ctx, given), copy(ctx, clean))]
        for codec in analysis.codecs:
            row = chosen.get((codec, variant))
            if row is None:
                cards.append(Crop(codec, f"no crop at q={qualities[codec]}", None, None, None))
                continue
            text = (f"q={row['quality']}, {row['bpp']:.3f} bpp, {fmt(row['psnr'])} dB vs input, "
                    f"{fmt(row['psnr_wrt_clean'])} dB vs clean")
            cards.append(Crop(codec, text, copy(ctx, by_key[row["key"]]), copy(ctx, given), copy(ctx, clean)))
        grid_rows.append(CropRow(ctx.variant_name(variant), tuple(cards)))
    chosen_text = ", ".join(f"{c} q={q}" for c, q in qualities.items())
    caption = (f"Centre crops of {image} (1 image), pixel for pixel. Each codec at one quality throughout, chosen once: "
               f"the quality whose mean clean-input bpp is nearest {analysis.bpp:.3g} bpp ({chosen_text}). "
               f"Corrupted inputs at severity {severity}. Hover a crop to see the codec's input; the buttons show the "
               "codec input or the clean image in every card.")
    section.items.append(CropGrid(f"Crops of {image}", caption, tuple(grid_rows)))
    return section


def copy(ctx: Context, path: Path | None) -> str | None:
    """Copy a crop into the report's samples folder; its path relative to the page."""
    if path is None or not path.is_file():
        return None
    target = ctx.out / FOLDER / path.name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return f"{FOLDER}/{path.name}"
