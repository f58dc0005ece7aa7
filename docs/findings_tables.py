"""The tables of docs/findings.md, computed from a run folder through the public results API.

    .venv/bin/python docs/findings_tables.py runs/paper-kodak-c [--rate runs/paper-kodak-c-rate]
        [--regimes runs/spectral-regimes] > runs/paper-kodak-c/findings-tables.md

Every number is a mean over the run's images of per-image values (the paper's
convention: test.py averages per-image PSNR and bpp). Curves are compared with
the Bjontegaard delta PSNR (piecewise cubic, as the report and the JVET common
test conditions; ``oodnic_report.bjontegaard``) over the rates both curves
cover, so codecs are compared at equal bpp on every input.

Also: Table F reads a rate-matched run (``--rate``: PSNR at equal bpp on the
cases every codec met), Table G the Fourier heat maps saved into the grid's run
folder, Table H the training-data experiment (``--regimes``: one model per
spectral regime of its training images).

Band fractions come in two formulas (Tables A and E): ``power``, the
``spectral`` metric's per-image shares of error power, and, when the run saved
``spectral_paper`` arrays, ``paper``: the shares of the paper's D / G / R (the
group-mean |F| of the rounded, normalised grey error), one value per codec,
quality and input, set beside the rows' mean bpp.
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict
from typing import Callable

import numpy as np

from oodnic_platform.results import Run, open_run
from oodnic_report.bjontegaard import bd_psnr

GROUPS = ("low", "medium", "high")
CLASSIC = ("jpeg", "jpeg2000")
NEURAL = ("oodnic-tiny", "oodnic-hp", "oodnic-hp-wide", "oodnic-tiny-vr", "oodnic-tiny-p95", "oodnic-tiny-vr-p95")
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


def group_fractions(run: Run, metric: str, label: Callable[[dict], str] = lambda meta: meta["codec"]
                    ) -> dict[tuple, dict[float, dict[str, float]]]:
    """(label, corruption, severity) -> quality -> band fractions of ``metric``'s complete array groups.

    ``label`` names a group's codec from its metadata (default: the codec's name).
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
        out[(label(meta), meta["corruption"], int(meta["severity"]))][float(meta["quality"])] = cell
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


def main(run_dir: str, images: int = 0, skip: tuple[str, ...] = ()) -> None:
    """Tables A-E; with ``images`` only the first N images by name, without the codecs in ``skip``."""
    with open_run(run_dir) as run:
        rows = [r for r in run.rows() if r["codec"] not in skip]
        if images:
            kept = set(sorted({r["image"] for r in rows})[:images])
            rows = [r for r in rows if r["image"] in kept]
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

    print("### D. The other neural models against the fixed-rate oodnic-tiny (BD-PSNR, dB; cases: corruption x severity)\n")
    lines = []
    for codec in [c for c in NEURAL if c != "oodnic-tiny" and (c, "clean", 0) in data]:
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


def rate_matched(run_dir: str) -> None:
    """Table F: PSNR at each target bpp, on the (image, input) cases every codec brackets.

    A codec's value on a case is interpolated in log bpp between the two rows it
    coded for that case whose rates bracket the target (a met target is one of
    them, within the tolerance); so the fixed-rate neural ladders, whose models
    rarely land within +-5 % of a target, are compared at the same rate too.
    """
    with open_run(run_dir) as run:
        rows = [r for r in run.rows() if r["status"] == "ok" and r["codec"] != "none"]
        matches = list(run.rate_matches())
    coded: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        coded[(row["codec"], row["image"], row["corruption"], row["severity"])].append(row)
    frequency = {row["corruption"]: row["frequency"] for row in rows}
    codecs = sorted({m.codec for m in matches})
    cases = sorted({(m.image, m.corruption, m.severity) for m in matches})
    images = len({case[0] for case in cases})
    for target in sorted({m.target_bpp for m in matches}):
        values = {case: {codec: bracketed(coded[(codec, *case)], target) for codec in codecs} for case in cases}
        common = {case: by_codec for case, by_codec in values.items() if all(v is not None for v in by_codec.values())}
        met = {c: sum(m.met for m in matches if m.codec == c and m.target_bpp == target) for c in codecs}
        print(f"### F. At {target} bpp (rate-matched, {images} images): the {len(common)} of {len(cases)} (image, "
              f"input) cases every codec brackets; met within tolerance: "
              + ", ".join(f"{c} {met[c]}" for c in codecs) + "\n")
        severities = sorted({case[2] for case in common if case[2]})
        header = ["codec", "PSNR", "clean"] + [f"{g} s{s}" for g in GROUPS for s in severities]
        lines = []
        for codec in codecs:
            for index, column in enumerate(("psnr", "psnr_wrt_clean")):
                line = [codec, column]
                for group, severity in [("clean", 0)] + [(g, s) for g in GROUPS for s in severities]:
                    found = [v[codec][index] for case, v in common.items()
                             if case[2] == severity and group in (case[1], frequency.get(case[1]))]
                    line.append(f"{np.mean(found):.2f} ({len(found)})" if found else "n/a")
                lines.append(line)
        print(table(header, lines) + "\n")


def bracketed(rows: list[dict], target: float) -> tuple[float, float] | None:
    """(PSNR, PSNR w.r.t. clean) at ``target`` bpp, interpolated in log bpp between the bracketing rows."""
    points = sorted((r["bpp"], r["psnr"], r["psnr_wrt_clean"]) for r in rows
                    if r.get("bpp") and r.get("psnr") is not None and r.get("psnr_wrt_clean") is not None)
    for low, high in zip(points, points[1:]):
        if low[0] <= target <= high[0]:
            w = 0.0 if high[0] == low[0] else (math.log(target) - math.log(low[0])) / (math.log(high[0]) - math.log(low[0]))
            return low[1] + w * (high[1] - low[1]), low[2] + w * (high[2] - low[2])
    return None


def map_minutes(meta: dict, bases: int) -> str:
    """Minutes spent measuring a map: summed over every run that resumed it, else estimated from the bases timed
    (runs from before bases were timed), else the last run's."""
    seconds, timed = meta.get("timed_seconds", 0.0), meta.get("timed_bases", 0)
    if timed >= bases:
        return f"{seconds / 60:.1f}"
    if timed:
        return f"{seconds / timed * bases / 60:.1f} (est. from {timed:,} bases)"
    return f"{meta.get('measure_seconds', float('nan')) / 60:.1f}"


def heat_maps(run_dir: str) -> None:
    """Table G: the Fourier heat maps saved in the run folder, PSNR change by ring of basis frequency."""
    rings = ((0, 7), (8, 15), (16, 31))
    lines = []
    with open_run(run_dir) as run:
        for group in run.arrays("fourier_heatmap"):
            maps, meta = group.load_with_metadata()
            frequencies = maps["frequencies"]
            radius = np.maximum(*np.meshgrid(np.abs(frequencies), np.abs(frequencies)))
            line = [meta["codec"], str(meta["quality"]), f"{len(frequencies)} x {len(frequencies)}",
                    str(len(meta["images"])), f"{float(np.nanmean(maps['bpp'])):.3f}",
                    f"{float(maps['psnr_unperturbed']):.2f}"]
            for key in ("psnr_input", "psnr_clean"):
                change = maps[key] - float(maps["psnr_unperturbed"])
                line += ["n/a" if low > radius.max() else f"{float(np.nanmean(change[(radius >= low) & (radius <= high)])):+.3f}"
                         for low, high in rings]
                line.append(f"{float(np.nanmax(maps[key]) - np.nanmin(maps[key])):.3f}")
            line.append(map_minutes(meta, (len(frequencies) ** 2 + 1) // 2))
            lines.append(line)
    if lines:
        print("### G. Fourier heat maps (eps = 4): PSNR change against the unperturbed crops, by ring of basis "
              "frequency (max(|fx|, |fy|) in cycles per crop)\n")
        ring_names = [f"{a}-{b}" for a, b in rings]
        print(table(["codec", "quality", "grid", "images", "bpp", "PSNR unperturbed"]
                    + [f"vs input {r}" for r in ring_names] + ["input span"]
                    + [f"vs clean {r}" for r in ring_names] + ["clean span", "minutes"], sorted(lines)) + "\n")


def regime_of(codec_settings: str) -> str:
    """The training regime in a compressai-user codec's checkpoint path (``.../regime-<name>-{quality}.pt``)."""
    return codec_settings.split("regime-")[-1].split("-")[0]


def regimes(run_dir: str) -> None:
    """Table H: one model per spectral regime of its training images, on Kodak-C (group means)."""
    with open_run(run_dir) as run:
        rows = [r for r in run.rows() if r["status"] == "ok"]
        paper = group_fractions(run, FORMULAS["paper"], lambda meta: regime_of(str(meta.get("codec_settings", ""))))
    cells: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        group = "clean" if row["corruption"] == "clean" else row["frequency"]
        cells[(regime_of(row["codec_settings"]), group, row["severity"])].append(row)
    names = [r for r in ("none", "noise", "blur") if (r, "clean", 0) in cells]
    print("### H. The training data's spectrum (one model per regime of its training images): Kodak-C, mean over "
          "images and the corruptions of each group\n")
    header = ["training images", "input", "bpp", "PSNR vs input", "PSNR vs clean", "high share G (power)",
              "high share R (power)", "high share G (paper)", "high share R (paper)"]
    columns = ("bpp", "psnr", "psnr_wrt_clean", "spectral_input_high", "spectral_clean_high")
    lines = []
    for regime in names:
        for group, severity in [("clean", 0)] + [(g, s) for g in GROUPS for s in (3, 5)]:
            found = cells.get((regime, group, severity), [])
            if not found:
                continue
            mean = {c: float(np.mean([r[c] for r in found if r.get(c) is not None] or [math.nan])) for c in columns}
            points = [point for c in sorted({r["corruption"] for r in found})
                      for point in paper.get((regime, c, severity), {}).values()]
            shares = [float(np.mean([p[f"spectral_paper_{ref}_high"] for p in points])) if points else math.nan
                      for ref in ("input", "clean")]
            lines.append([regime, "clean" if group == "clean" else f"{group} s{severity}",
                          *(f"{mean[c]:.{3 if c == 'bpp' or 'high' in c else 2}f}" for c in columns),
                          *(f"{v:.3f}" for v in shares)])
    print(table(header, lines) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", nargs="?", default="runs/paper-kodak-c", help="the paper grid's run folder")
    parser.add_argument("--rate", help="a rate-matched run folder (paper-kodak-c-rate): Table F")
    parser.add_argument("--regimes", help="the training-data experiment's run folder: Table H")
    parser.add_argument("--images", type=int, default=0, help="Tables A-E on the first N images only (0: all)")
    parser.add_argument("--skip-codec", action="append", default=[], help="leave a codec out of Tables A-E")
    args = parser.parse_args()
    main(args.run, args.images, tuple(args.skip_codec))
    heat_maps(args.run)
    if args.rate:
        rate_matched(args.rate)
    if args.regimes:
        regimes(args.regimes)
