"""BD-rate and BD-PSNR of every codec against one anchor codec, per input, severity and PSNR kind."""

from __future__ import annotations

import numpy as np

from oodnic_platform import ConfigError

from .bjontegaard import Delta, bd_psnr, bd_rate
from .cases import Cell, joined_note
from .context import Context
from .curves import QUANTITIES
from .model import Note, Section, matrix_table, write_csv
from .rundata import Variant, is_clean

BD_COLUMNS = ("codec", "anchor", "input", "corruption", "severity", "metric", "bd_rate", "bd_psnr", "note")
MEAN_COLUMNS = ("codec", "anchor", "metric", "over", "inputs", "bd_rate", "bd_psnr", "note")
KINDS = ("psnr", "psnr_wrt_clean", "ms_ssim_db")
#: the quality delta of each kind (dB)
DELTA = {"psnr": "BD-PSNR", "psnr_wrt_clean": "BD-PSNR", "ms_ssim_db": "BD-MS-SSIM"}
Key = tuple[str, Variant, str]  # (metric, variant, codec)


def resolve_anchor(ctx: Context) -> str | None:
    """The anchor codec's label; a wrong ``--anchor`` is a one-line error, a missing default is a skip."""
    codecs, asked = ctx.analysis.codecs, ctx.options.anchor
    name = asked if asked is not None else ctx.options.default_anchor
    found = [c for c in codecs if c == name] or [c for c in codecs if c.split(" ")[0] == name]
    if len(found) == 1:
        return found[0]
    if asked is not None:
        if asked in ctx.analysis.baselines:
            raise ConfigError(f"--anchor {asked}: a lossless baseline has no RD curve to compare against")
        what = "matches several codec runs (" + ", ".join(found) + ")" if found else "is not a codec of this run"
        raise ConfigError(f"--anchor {asked!r} {what}; codecs: {', '.join(codecs)}")
    return None


def deltas(ctx: Context, variant: Variant, anchor_name: str, codec: str, kind: str) -> tuple[Delta, Delta]:
    """(BD-rate, BD-PSNR) of ``codec`` against the anchor on ``kind`` and ``variant``, lossless points noted."""
    anchor, curve = ctx.analysis.curve(variant, anchor_name), ctx.analysis.curve(variant, codec)
    for who, c in ((anchor_name, anchor), (codec, curve)):
        if c is None:
            reason = ctx.absence(who, variant)
            return Delta(float("nan"), reason), Delta(float("nan"), reason)
    rate, psnr = bd_rate(*anchor.finite(kind), *curve.finite(kind)), bd_psnr(*anchor.finite(kind), *curve.finite(kind))
    extra = [f"{who}'s lossless point(s) q={', '.join(map(str, c.lossless(kind)))} left out"
             for who, c in ((anchor_name, anchor), (codec, curve)) if c.lossless(kind)]
    if extra:
        rate = Delta(rate.value, "; ".join(filter(None, [rate.note, *extra])))
        psnr = Delta(psnr.value, "; ".join(filter(None, [psnr.note, *extra])))
    return rate, psnr


def measured(ctx: Context) -> list[str]:
    """The kinds of KINDS with a finite value somewhere in the run."""
    curves = [c for per in ctx.analysis.curves.values() for c in per.values()]
    return [k for k in KINDS if any(np.isfinite(c.values[k]).any() for c in curves)]


def compute(ctx: Context, anchor: str) -> dict[Key, tuple[Cell, Cell]]:
    analysis = ctx.analysis
    out = {}
    for kind in measured(ctx):
        for variant in analysis.variants():
            for codec in analysis.codecs:
                if codec == anchor:
                    continue
                rate, psnr = deltas(ctx, variant, anchor, codec, kind)
                out[(kind, variant, codec)] = (Cell(rate.value, rate.note), Cell(psnr.value, psnr.note))
    return out


def bd_section(ctx: Context, anchor: str | None) -> Section:
    section = Section("BD-rate against an anchor")
    analysis = ctx.analysis
    if anchor is None:
        ctx.skip("BD-rate against an anchor", f"no --anchor given and the default anchor {ctx.options.default_anchor} "
                 f"is not in this run (codecs: {', '.join(analysis.codecs)}): use oodnic report --anchor NAME")
        return section
    others = [c for c in analysis.codecs if c != anchor]
    if not others:
        ctx.skip("BD-rate against an anchor", f"no codec besides the anchor {anchor}")
        return section
    cells = compute(ctx, anchor)
    rows = []
    for (kind, variant, codec), (rate, psnr) in cells.items():
        rows.append([codec, anchor, "clean" if is_clean(variant) else "corrupted", variant[0], variant[1], kind,
                     rate.value, psnr.value, joined_note(rate, psnr)])
    name = write_csv(ctx.out, "bd_rate.csv", BD_COLUMNS, rows)
    baselines = f" Lossless baselines ({', '.join(analysis.baselines)}) have no curve and are left out." \
        if analysis.baselines else ""
    section.items.append(Note(
        f"Bjontegaard deltas of each codec against the anchor {anchor}, per input: BD-rate (%, negative = fewer bits "
        "than the anchor for the same PSNR) and BD-PSNR (dB, positive = higher PSNR at the same rate), with piecewise "
        "cubic (PCHIP) interpolation as in the JVET common test conditions, over the PSNR (rate) interval both curves "
        f"cover; never extrapolated.{baselines} Every row, with a note where a delta is missing or fragile, is in",
        name))
    csv_rows, averaged = mean_rows(ctx, anchor, others, cells)
    write_csv(ctx.out, "bd_rate_mean.csv", MEAN_COLUMNS, csv_rows)
    formats = (lambda v: f"{v:+.1f}%", lambda v: f"{v:+.2f} dB")
    for kind in measured(ctx):
        label, delta = QUANTITIES[kind], DELTA[kind]
        per_variant = [(ctx.variant_name(v), [cells[(kind, v, c)] for c in others]) for v in analysis.variants()]
        section.items.append(matrix_table(
            f"BD-rate / {delta} against {anchor}: {label}", f"Per input and severity; each cell: BD-rate (%) / "
            f"{delta} (dB) against {anchor}, over {ctx.images_phrase()}.", ("input", *others), per_variant,
            "bd_rate.csv", formats))
        if averaged[kind]:
            section.items.append(matrix_table(
                f"BD-rate / {delta} against {anchor}, averaged: {label}",
                "Mean over the severities of each corruption, and over every corruption and severity of each "
                "frequency group; computed only where every codec has the delta on every input averaged, "
                "else the note says which is missing.", ("inputs averaged", *others), averaged[kind],
                "bd_rate_mean.csv", formats))
    return section


def mean_rows(ctx: Context, anchor: str, codecs: list[str], cells: dict[Key, tuple[Cell, Cell]]):
    """Averages over each corruption's severities and over each frequency group, same cases for every codec.

    Returns the CSV rows and, per PSNR kind, the table rows (title, per codec (BD-rate, BD-PSNR) cells).
    """
    csv_rows: list[list] = []
    tables: dict[str, list] = {kind: [] for kind in KINDS}
    for kind in measured(ctx):
        for title, variants in ctx.analysis.scopes():
            pairs = {(c, v): cells[(kind, v, c)] for c in codecs for v in variants}
            rate, psnr = ctx.mean_pair(pairs, codecs, variants, ("BD-rate", DELTA[kind]),
                                       f"against {anchor} on {QUANTITIES[kind]}, {title}")
            for codec in codecs:
                csv_rows.append([codec, anchor, kind, title, len(variants), rate[codec].value, psnr[codec].value,
                                 joined_note(rate[codec], psnr[codec])])
            tables[kind].append((title, [(rate[c], psnr[c]) for c in codecs]))
    return csv_rows, tables
