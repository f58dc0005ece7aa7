"""The tables of docs/findings.md, computed from a run folder through the public results API.

    .venv/bin/python docs/findings_tables.py runs/paper-kodak-c > runs/paper-kodak-c/findings-tables.md

Every number is a mean over the run's images of per-image values (the paper's
convention: test.py averages per-image PSNR and bpp). Curves are compared with
the Bjontegaard delta PSNR (piecewise cubic, as the report and the JVET common
test conditions; ``oodnic_report.bjontegaard``) over the rates both curves
cover, so codecs are compared at equal bpp on every input.

Band fractions come in two formulas (Tables A and E): ``power``, the
``spectral`` metric's per-image shares of error power, and, when the run saved
``spectral_paper`` arrays, ``paper``: the shares of the paper's D / G / R (the
group-mean |F| of the rounded, normalised grey error), one value per codec,
quality and input, set beside the rows' mean bpp.
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict

import numpy as np

from oodnic_platform.results import Run, open_run
from oodnic_report.bjontegaard import bd_psnr

GROUPS = ("low", "medium", "high")
CLASSIC = ("jpeg", "jpeg2000")
NEURAL = ("oodnic-tiny", "oodnic-tiny-vr", "oodnic-tiny-vr-p95")
BANDS = ("low", "mid", "high")
#: formula -> the metric whose band fractions give it (columns ``<metric>_<input|clean>_<band>``)
FORMULAS = {"power": "spectral", "paper": "spectral_paper"}


def curves(rows: list[dict]) -> dict[tuple, dict[float, dict[str, float]]]:
    """(codec, corruption, severity) -> quality -> mean of each measured column over images."""
    sums: dict[tuple, dict[float, dict[str, list[float]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for row in rows:
        cell = sums[(row["codec"], row["corruption"], row["severity"])][row["quality"]]
        for column in ("bpp", "psnr", "psnr_wrt_clean", *(f"spectral_{ref}_{band}" for ref in ("input", "clean")
                                                             for band in BANDS)):
            if row.get(column) is not None:
                cell[column].append(row[column])
    return {key: {q: {c: float(np.mean(v)) for c, v in cols.items()} for q, cols in by_q.items()}
            for key, by_q in sums.items()}


def group_fractions(run: Run, metric: str) -> dict[tuple, dict[float, dict[str, float]]]:
    """(codec, corruption, severity) -> quality -> band fractions of ``metric``'s complete array groups.

    Named as the power metric's per-image columns: ``<metric>_input_<band>`` from D
    (clean input) or G, ``<metric>_clean_<band>`` from D or R.
    """
    out: dict[tuple, dict[float, dict[str, float]]] = defaultdict(dict)
    for group in run.arrays(metric):
        if not group.complete:
            continue
        arrays = group.load([f"{kind}_band_fraction" for kind in ("D", "G", "R")])
        kinds = {"input": "D", "clean": "D"} if "D_band_fraction" in arrays else {"input": "G", "clean": "R"}
        cell = {f"{metric}_{ref}_{band}": float(value) for ref, kind in kinds.items()
                if f"{kind}_band_fraction" in arrays for band, value in zip(BANDS, arrays[f"{kind}_band_fraction"])}
        meta = group.meta
        out[(meta["codec"], meta["corruption"], int(meta["severity"]))][float(meta["quality"])] = cell
    return out


def add_columns(curves_: dict, extra: dict[tuple, dict[float, dict[str, float]]]) -> None:
    """Add ``extra``'s columns to the curve points of the same codec, input and quality."""
    for key, by_quality in extra.items():
        curve = curves_.get(key, {})
        for quality, point in curve.items():
            point.update(by_quality.get(float(quality), {}))


def series(curve: dict[float, dict[str, float]], column: str) -> tuple[list[float], list[float]]:
    points = sorted((v["bpp"], v[column]) for v in curve.values() if math.isfinite(v.get(column, math.nan)))
    return [p[0] for p in points], [p[1] for p in points]


def at_bpp(curve: dict[float, dict[str, float]], column: str, bpp: float) -> float | None:
    """``column`` interpolated linearly in log(bpp) at ``bpp``; None outside the curve (no extrapolation)."""
    rates, values = series(curve, column)
    if len(rates) < 2 or not rates[0] <= bpp <= rates[-1]:
        return None
    return float(np.interp(np.log(bpp), np.log(rates), values))


def delta(curves_: dict, codec: str, anchor: str, corruption: str, severity: int, column: str) -> float | None:
    a, t = curves_.get((anchor, corruption, severity)), curves_.get((codec, corruption, severity))
    if not a or not t:
        return None
    value = bd_psnr(*series(a, column), *series(t, column)).value
    return value if math.isfinite(value) else None


def fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:+.{digits}f}"


def table(header: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return "\n".join(out)


def main(run_dir: str) -> None:
    with open_run(run_dir) as run:
        rows = run.rows()
        frequency = {r["corruption"]: r["frequency"] for r in rows}
        images = len({r["image"] for r in rows})
        paper = group_fractions(run, FORMULAS["paper"])
    data = curves(rows)
    add_columns(data, paper)
    formulas = {name: metric for name, metric in FORMULAS.items() if name == "power" or paper}
    codecs = [c for c in (*CLASSIC, *NEURAL) if (c, "clean", 0) in data]
    corruptions = sorted(c for c in frequency if c != "clean")
    print(f"Run {run_dir}: {len(rows)} rows, {images} images, codecs {', '.join(codecs)}\n")

    print(f"### A. Clean Kodak: rate range, and where the error energy is (D band fractions: {', '.join(formulas)})\n")
    lines = []
    for codec in codecs:
        curve = data[(codec, "clean", 0)]
        rates, psnrs = series(curve, "psnr")
        fractions = [at_bpp(curve, f"{metric}_input_{band}", 0.4) for metric in formulas.values() for band in BANDS]
        lines.append([codec, f"{rates[0]:.3f}-{rates[-1]:.3f}", f"{psnrs[0]:.2f}-{psnrs[-1]:.2f}",
                      fmt(at_bpp(curve, "psnr", 0.4), 2).lstrip("+"),
                      *["n/a" if f is None else f"{f:.3f}" for f in fractions]])
    print(table(["codec", "bpp range", "PSNR range (dB)", "PSNR at 0.4 bpp"]
                + [f"D {band} @0.4 ({name})" for name in formulas for band in BANDS], lines))
    print("\nBand fractions below 1/8, between 1/8 and 1/4, and above 1/4 cycles/pixel, interpolated in log bpp. power:"
          " share of the error's power (the spectral metric's per-image columns). paper: share of the paper's D, the"
          " mean |F| of the rounded, normalised grey error (spectral_paper's arrays).\n")

    for anchor in ("jpeg", "jpeg2000"):
        print(f"### B. BD-PSNR against {anchor} (dB), mean over the corruptions of each frequency group\n")
        for column, label in (("psnr", "PSNR w.r.t. the corrupted input (generalisation)"),
                              ("psnr_wrt_clean", "PSNR w.r.t. the clean image (robustness)")):
            lines = []
            for codec in [c for c in codecs if c != anchor]:
                line = [codec, fmt(delta(data, codec, anchor, "clean", 0, column))]
                for group in GROUPS:
                    for severity in (1, 3, 5):
                        values = [delta(data, codec, anchor, c, severity, column) for c in corruptions
                                  if frequency[c] == group]
                        line.append("n/a" if not values or any(v is None for v in values)
                                    else fmt(float(np.mean(values))))
                lines.append(line)
            header = ["codec", "clean"] + [f"{g} s{s}" for g in GROUPS for s in (1, 3, 5)]
            print(f"{label}:\n")
            print(table(header, lines) + "\n")

    print("### C. Compression as denoising: PSNR w.r.t. clean of the reconstruction minus that of the input itself"
          " (dB), at each codec's lowest and highest rate\n")
    lines = []
    for codec in codecs:
        for which, pick in (("lowest", min), ("highest", max)):
            line = [codec, which]
            for group in GROUPS:
                for severity in (1, 3, 5):
                    gains = []
                    for corruption in (c for c in corruptions if frequency[c] == group):
                        curve, base = data.get((codec, corruption, severity)), data.get(("none", corruption, severity))
                        if not curve or not base:
                            continue
                        quality = pick(curve, key=lambda q: curve[q]["bpp"])
                        gains.append(curve[quality]["psnr_wrt_clean"] - next(iter(base.values()))["psnr_wrt_clean"])
                    line.append(fmt(float(np.mean(gains))) if gains else "n/a")
            lines.append(line)
    print(table(["codec", "rate"] + [f"{g} s{s}" for g in GROUPS for s in (1, 3, 5)], lines) + "\n")

    print("### D. Variable-rate and pruned models against the fixed-rate scale hyperprior (BD-PSNR, dB)\n")
    lines = []
    for codec in ("oodnic-tiny-vr", "oodnic-tiny-vr-p95"):
        for column in ("psnr", "psnr_wrt_clean"):
            line = [codec, column, fmt(delta(data, codec, "oodnic-tiny", "clean", 0, column))]
            for group in GROUPS:
                values = [delta(data, codec, "oodnic-tiny", c, s, column) for c in corruptions
                          if frequency[c] == group for s in (1, 2, 3, 4, 5)]
                values = [v for v in values if v is not None]
                line.append(f"{fmt(float(np.mean(values)))} ({len(values)})" if values else "n/a")
            lines.append(line)
    print(table(["codec", "PSNR", "clean", "low (cases)", "medium (cases)", "high (cases)"], lines) + "\n")

    print("### E. Where the error is on corrupted inputs: high-band (>= 1/4 cycles/pixel) fraction of G (x^ - x~)"
          f" and R (x^ - x) at 0.4 bpp ({', '.join(formulas)}), mean over the corruptions of each group, severity 3\n")
    lines = []
    for codec in codecs:
        line = [codec]
        for group in GROUPS:
            for ref in ("input", "clean"):
                for metric in formulas.values():
                    values = [at_bpp(data[(codec, c, 3)], f"{metric}_{ref}_high", 0.4) for c in corruptions
                              if frequency[c] == group and (codec, c, 3) in data]
                    values = [v for v in values if v is not None]
                    line.append(f"{np.mean(values):.3f} ({len(values)})" if values else "n/a")
        lines.append(line)
    print(table(["codec"] + [f"{g} {'G' if r == 'input' else 'R'} ({name})" for g in GROUPS
                             for r in ("input", "clean") for name in formulas], lines))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/paper-kodak-c")
