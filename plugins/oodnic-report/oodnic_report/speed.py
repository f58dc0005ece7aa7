"""Encode and decode time per image, and megapixels per second, per codec (from the rows' timings)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from .context import Context
from .model import Section, write_table

COLUMNS = ("codec", "rows", "encode_ms_median", "decode_ms_median", "encode_mp_per_s", "decode_mp_per_s")


def pixels(row: dict) -> float:
    """Pixels of the row's image, from its bytes and bpp (bpp = 8 x bytes / pixels)."""
    bpp, size = row.get("bpp"), row.get("num_bytes")
    return 8.0 * size / bpp if bpp and size and bpp > 0 else float("nan")


def speed_section(ctx: Context) -> Section:
    section = Section("Speed")
    by_codec: dict[str, list[dict]] = defaultdict(list)
    for row in ctx.data.rows:
        if row.get("encode_s") is not None and row.get("decode_s") is not None:
            by_codec[ctx.analysis.label(row)].append(row)
    if not by_codec:
        ctx.skip("Speed", "no row records encode / decode times")
        return section
    rows = []
    for codec, crows in sorted(by_codec.items()):
        enc = np.array([r["encode_s"] for r in crows], float)
        dec = np.array([r["decode_s"] for r in crows], float)
        mp = np.array([pixels(r) for r in crows]) / 1e6
        ok = np.isfinite(mp)
        rows.append([codec, len(crows), 1e3 * float(np.median(enc)), 1e3 * float(np.median(dec)),
                     float(mp[ok].sum() / enc[ok].sum()) if enc[ok].sum() > 0 else float("nan"),
                     float(mp[ok].sum() / dec[ok].sum()) if dec[ok].sum() > 0 else float("nan")])
    workers = sorted({str(c.get("workers")) for c in ctx.data.configs if c.get("workers") is not None})
    devices = sorted({str(c.get("device")) for c in ctx.data.configs if c.get("device")})
    section.items.append(write_table(
        ctx.out, "speed.csv", "Encode and decode speed per codec",
        "Wall-clock time of encode and decode per image as each worker measured it (median over every successful "
        "row of the codec, any input and quality), and megapixels per second (total pixels over total time; pixels "
        f"from bytes and bpp). Measured with {'/'.join(workers) or '?'} worker process(es) running side by side on "
        f"device {'/'.join(devices) or '?'}: contention included, compare codecs of the same run only.",
        COLUMNS, rows))
    return section
