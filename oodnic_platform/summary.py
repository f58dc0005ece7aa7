"""The one-screen summary printed at the end of a run: codec x input group, mean PSNR and bpp."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

GROUPS = ("clean", "low", "medium", "high")


def summary_table(rows: list[dict[str, Any]]) -> str:
    cells: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        if row["status"] == "ok":
            cells[(row["codec"], row["frequency"])].append((row["psnr"], row["bpp"]))
    if not cells:
        return "no successful rows"
    codecs = sorted({c for c, _ in cells})
    groups = [g for g in GROUPS if any((c, g) in cells for c in codecs)]
    width = max(12, *(len(c) for c in codecs))
    header = f"{'codec':<{width}}" + "".join(f"{g + ' PSNR/bpp':>22}" for g in groups)
    lines = [header, "-" * len(header)]
    for codec in codecs:
        line = f"{codec:<{width}}"
        for group in groups:
            values = cells.get((codec, group))
            if values:
                psnr = np.array([v[0] for v in values], dtype=float)
                bpp = np.mean([v[1] for v in values])
                line += f"{np.mean(psnr[np.isfinite(psnr)]):>13.2f} dB {bpp:>5.3f}"
            else:
                line += f"{'-':>22}"
        lines.append(line)
    lines.append("PSNR against the codec's input; groups: clean input and corruption frequency bands (low/medium/high).")
    return "\n".join(lines)
