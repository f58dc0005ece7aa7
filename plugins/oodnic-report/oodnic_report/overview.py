"""The first section: what was run (codecs, versions, qualities), the RD points, and any failed rows."""

from __future__ import annotations

from collections import Counter, defaultdict

from .context import Context
from .curves import QUANTITIES
from .model import Note, Section, write_table

RD_COLUMNS = ("codec", "corruption", "severity", "frequency", "quality", "bpp", *QUANTITIES, "images")


def overview_section(ctx: Context) -> Section:
    section = Section("What was run")
    rows, label = ctx.data.rows, ctx.analysis.label
    by_codec = defaultdict(list)
    for row in rows:
        by_codec[label(row)].append(row)
    errors = Counter(label(r) for r in ctx.data.error_rows)
    codec_rows = []
    for codec, crows in sorted(by_codec.items()):
        qualities = sorted({r["quality"] for r in crows}, key=float)
        codec_rows.append([codec, ", ".join(sorted({str(r["codec_version"]) for r in crows})),
                           ", ".join(sorted({str(r["plugin"]) for r in crows})), crows[0]["codec_settings"],
                           " ".join(str(q) for q in qualities), len(crows), errors.get(codec, 0)])
    section.items.append(write_table(
        ctx.out, "codecs.csv", "Codecs", "Codec label, library version, plugin, settings, qualities run, and the "
        "number of successful and failed result rows.",
        ("codec", "version", "plugin", "settings", "qualities", "rows ok", "rows failed"), codec_rows))
    points = []
    for (corruption, severity), curves in ctx.analysis.curves.items():
        for codec, curve in sorted(curves.items()):
            for k, quality in enumerate(curve.qualities):
                points.append([codec, corruption, severity, ctx.analysis.frequency.get(corruption, ""), quality,
                               float(curve.bpp[k]), *(float(curve.values[q][k]) for q in QUANTITIES),
                               len(curve.images)])
    rd = write_table(ctx.out, "rd-points.csv", "RD points", "", RD_COLUMNS, points)
    section.items.append(Note(f"Every RD point of the figures below ({len(points)} points: means over images per "
                              "codec, input and quality) is in", rd.csv))
    if ctx.data.error_rows:
        messages = Counter((label(r), r["corruption"], r["error"] or "") for r in ctx.data.error_rows)
        section.items.append(write_table(
            ctx.out, "errors.csv", "Failed rows", "Result rows with status error, grouped by codec, input and "
            "message; they are left out of every figure and table.", ("codec", "corruption", "error", "rows"),
            [[c, k, e, n] for (c, k, e), n in sorted(messages.items())]))
    return section
