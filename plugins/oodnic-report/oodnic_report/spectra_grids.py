"""Tables of spectrum tiles: one colour scale per spectrum kind across codecs, and differences against an anchor.

A grid is rows of slots, a slot being (codec, kind, inputs averaged). Every
slot of a kind shares one log colour range (or each tile its own, with
``--tile-scale per-tile``); a difference grid shows codec minus anchor on one
symmetric linear range per kind.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .context import FIGURES, Context
from .model import Tile, TileGrid
from .rundata import Variant
from .spectra import MAX_CELL, MetricSpectra, Spectrum, average
from .tiles import PERCENTILES, colour_bar, difference_tile, shared_scale, tile

Slot = tuple[str, str, list[Variant]]  # (codec, spectrum kind, inputs averaged)
Layout = list[tuple[str, list[Slot]]]  # (row label, one slot per column)


def panel(ctx: Context, spectra: MetricSpectra, slot: Slot) -> Spectrum | str:
    """The mean spectrum of a slot; a reason unless every codec has the kind on every input of it."""
    codec, kind, variants = slot
    if not variants:
        return "no input"
    gaps = [(c, v) for c in spectra.codecs() for v in variants if (c, v, kind) not in spectra.cells]
    if gaps:
        c, v = gaps[0]
        return (f"{c} has no {kind} spectrum on {ctx.variant_name(v)} at q={spectra.qualities.get(c)}"
                + (f" (and {len(gaps) - 1} more gaps)" if len(gaps) > 1 else ""))
    return average([spectra.cells[(codec, v, kind)] for v in variants])


def planes(ctx: Context, spectra: MetricSpectra, layout: Layout, title: str, columns: tuple[str, ...]):
    """Each slot's mean plane, or "n/a" for its tile (the reasons go to Skipped, once per column)."""
    found, reported = {}, set()
    for r, (_, slots) in enumerate(layout):
        for j, slot in enumerate(slots):
            mean = panel(ctx, spectra, slot)
            if isinstance(mean, str) or mean.plane is None:
                reason = mean if isinstance(mean, str) else "no 2-D plane"
                if (columns[j], reason) not in reported:
                    reported.add((columns[j], reason))
                    ctx.skip(f"{title}: column {columns[j]}", reason)
                found[(r, j)] = "n/a (see Skipped)"
            else:
                found[(r, j)] = mean.plane
    return found


def by_kind(found: dict[tuple[int, int], np.ndarray | str], layout: Layout) -> dict[str, list[np.ndarray]]:
    """The planes of a grid per spectrum kind (tiles without a plane left out)."""
    out: dict[str, list[np.ndarray]] = defaultdict(list)
    for (r, j), plane in sorted(found.items()):
        if not isinstance(plane, str):
            out[layout[r][1][j][1]].append(plane)
    return out


def heat_grid(ctx: Context, spectra: MetricSpectra, layout: Layout, columns: tuple[str, ...], stem: str,
              title: str, caption: str) -> TileGrid:
    """A tile per slot, on one log colour range per spectrum kind (or per tile), printed under each tile."""
    folder = ctx.out / FIGURES / "tiles"
    found = planes(ctx, spectra, layout, title, columns)
    per_tile = ctx.options.per_tile_scale
    spans = {} if per_tile else {kind: shared_scale([p for p in kind_planes if np.any(p)])
                                 for kind, kind_planes in by_kind(found, layout).items()}
    rows, zeros = [], []
    for r, (label, slots) in enumerate(layout):
        tiles = []
        for j, (codec, kind, _) in enumerate(slots):
            plane = found[(r, j)]
            if isinstance(plane, str):
                tiles.append(Tile(None, plane))
                continue
            if not np.any(plane):
                tiles.append(Tile(None, "all zero: no error"))
                zeros.append(f"{label} {columns[j]}")
                continue
            file, text = tile(plane, folder, f"{stem}-{label}-{columns[j]}", spans.get(kind))
            tiles.append(Tile(f"{FIGURES}/tiles/{file}", text))
        rows.append((label, tuple(tiles)))
    scales = ("Each tile has its own log colour scale" if per_tile else "One log colour scale per spectrum kind for "
              "every codec and input of this table (" + ", ".join(f"{k}: {lo:.2g} to {hi:.2g}" for k, span in
                                                                  sorted(spans.items()) if span for lo, hi in [span])
              + "; --tile-scale per-tile gives each tile its own)")
    zero_text = f" All zero (no error at all): {', '.join(zeros)}." if zeros else ""
    return TileGrid(title, caption + f" DC at the centre, -0.5 to 0.5 cycles/pixel on both axes; block-averaged to at "
                    f"most {MAX_CELL} px per side. {scales}, from the {PERCENTILES[0]}th to the {PERCENTILES[1]}th "
                    f"percentile of the values, printed under each tile (colour bar: dark = low end, bright = high "
                    f"end).{zero_text} n/a tiles are listed under Skipped.", columns, tuple(rows),
                    f"{FIGURES}/tiles/{colour_bar(folder)}")


def difference_grid(ctx: Context, spectra: MetricSpectra, layout: Layout, columns: tuple[str, ...], anchor: str,
                    stem: str, title: str, caption: str) -> TileGrid:
    """Per slot, the codec's mean plane minus the anchor's on the same inputs, one symmetric range per kind."""
    folder = ctx.out / FIGURES / "tiles"
    found = planes(ctx, spectra, layout, title, columns)
    base = planes(ctx, spectra, [(anchor, [(anchor, k, v) for _, k, v in layout[0][1]])], title, columns)
    diffs = {}
    for (r, j), plane in found.items():
        ref = base[(0, j)]
        diffs[(r, j)] = plane if isinstance(plane, str) else (
            "n/a: the anchor has no plane" if isinstance(ref, str) else plane - ref)
    bounds = {kind: float(np.percentile(np.abs(np.concatenate([d.ravel() for d in kind_diffs])), PERCENTILES[1]))
              for kind, kind_diffs in by_kind(diffs, layout).items()}
    rows = []
    for r, (label, slots) in enumerate(layout):
        tiles = []
        for j, (_, kind, _) in enumerate(slots):
            diff = diffs[(r, j)]
            if isinstance(diff, str):
                tiles.append(Tile(None, diff))
                continue
            file, text = difference_tile(diff, folder, f"{stem}-{label}-{columns[j]}", bounds.get(kind, 0.0))
            tiles.append(Tile(f"{FIGURES}/tiles/{file}", text))
        rows.append((label, tuple(tiles)))
    ranges = ", ".join(f"{k}: +-{b:.2g}" for k, b in sorted(bounds.items()))
    return TileGrid(title, caption + f" Each tile: the codec's mean spectrum minus {anchor}'s on the same inputs; red: "
                    f"more error than {anchor} at that frequency, blue: less. One linear range per spectrum kind "
                    f"({ranges}: the {PERCENTILES[1]}th percentile of the absolute differences), printed under each "
                    "tile.", columns, tuple(rows), f"{FIGURES}/tiles/{colour_bar(folder, diverging=True)}")
