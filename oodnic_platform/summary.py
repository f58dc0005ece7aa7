"""The one-screen summary printed at the end of a run: codec x input group, mean PSNR and bpp."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Iterable

GROUPS = ("clean", "low", "medium", "high")


def summary_table(rows: Iterable[dict[str, Any]]) -> str:
    """Mean PSNR (finite values; lossless rows counted apart) and bpp per codec and input group; linear in rows."""
    psnr_sum: dict[tuple[str, str], float] = defaultdict(float)
    psnr_n: dict[tuple[str, str], int] = defaultdict(int)
    bpp_sum: dict[tuple[str, str], float] = defaultdict(float)
    rows_n: dict[tuple[str, str], int] = defaultdict(int)
    lossless: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        if row["status"] != "ok":
            continue
        cell = (row["codec"], row["frequency"])
        rows_n[cell] += 1
        bpp_sum[cell] += row["bpp"]
        psnr = row.get("psnr")
        if psnr is not None and math.isfinite(psnr):
            psnr_sum[cell] += psnr
            psnr_n[cell] += 1
        elif psnr == math.inf:
            lossless[cell] += 1
    if not rows_n:
        return "no successful rows"
    codecs = sorted({c for c, _ in rows_n})
    groups = [g for g in GROUPS if any((c, g) in rows_n for c in codecs)]
    width = max(12, *(len(c) for c in codecs))
    header = f"{'codec':<{width}}" + "".join(f"{g + ' PSNR/bpp':>22}" for g in groups)
    lines = [header, "-" * len(header)]
    for codec in codecs:
        line = f"{codec:<{width}}"
        for group in groups:
            cell = (codec, group)
            if cell not in rows_n:
                line += f"{'-':>22}"
                continue
            bpp = bpp_sum[cell] / rows_n[cell]
            psnr = f"{psnr_sum[cell] / psnr_n[cell]:>13.2f} dB" if psnr_n[cell] else f"{'lossless':>16}"
            line += f"{psnr} {bpp:>5.3f}"
        lines.append(line)
    lines.append("PSNR against the codec's input (lossless rows left out of the mean); groups: clean input and "
                 "corruption frequency bands (low/medium/high).")
    return "\n".join(lines)
