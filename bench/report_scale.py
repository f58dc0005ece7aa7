"""oodnic report on a run of the paper's size: generation time, against reading the same data once.

    .venv/bin/python bench/report_scale.py [--folder DIR] [--images 24] [--codecs 7] [--qualities 5]
                                           [--size 512x768] [--fresh]

Builds (once; reused from --folder when present) a run folder of the Kodak-C
grid's shape: ``--images`` images x (clean + 15 corruptions x 5 severities) x
``--codecs`` fast fixture codecs (zlib of a quantised image, defined below)
x ``--qualities`` qualities, written by a real ``oodnic_platform.run_grid``
run (about 64k rows by default), plus one array group per codec, quality and
input of a spectral metric in oodnic-spectral's layout 2 (float32 half-planes
of ``--size``, 10 mantissa bits, radial profiles), added with
``oodnic_platform.results.save_arrays`` (about 3,000 groups).

Then, in this process, times:

- baseline: what any report must do at least: every row read through
  ``open_run(...).rows()`` and the planes of the groups the report shows loaded
  once (each codec at one quality, every input);
- ``build_report`` on the same folder (every section, figures, tiles, CSVs),
  with the time of each section (the report logs them).

It prints both, the ratio, and the machine load. This file is also the
fixture plugin of the run (``OODNIC_PLUGIN_MODULES=report_scale``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from oodnic_platform import Codec, Corruption, hookimpl

HERE = Path(__file__).resolve().parent
GROUPS = ("low", "medium", "high")
SEVERITIES = (1, 2, 3, 4, 5)
MANTISSA_BITS = 10


class ZlibQuant(Codec):
    """Fixture codec: quantise to a step, keep every ``stride``-th column, zlib; real bytes, real errors."""

    qualities = (1, 2, 3, 4, 5)
    quality_range = (1, 8)

    def __init__(self, name: str, base: float, stride: int):
        self.name, self.base, self.stride = name, base, stride

    def version(self) -> str:
        return "1"

    def encode(self, image: np.ndarray, quality) -> bytes:
        step = self.base / 2 ** (int(quality) - 1)
        kept = image[:, :: self.stride]
        levels = np.round(kept / step).astype(np.uint16)
        header = np.array([image.shape[0], image.shape[1], kept.shape[1]], "<u4").tobytes()
        return header + np.array([step], "<f4").tobytes() + zlib.compress(levels.tobytes(), 1)

    def decode(self, data: bytes) -> np.ndarray:
        height, width, kept = (int(v) for v in np.frombuffer(data[:12], "<u4"))
        step = float(np.frombuffer(data[12:16], "<f4")[0])
        levels = np.frombuffer(zlib.decompress(data[16:]), np.uint16).reshape(height, kept, 3)
        image = np.repeat(levels * step, self.stride, axis=1)[:, :width]
        return np.clip(np.round(image), 0, 255).astype(np.uint8)


class Cheap(Corruption):
    """Fixture corruption: noise (high), box blur (medium) or contrast (low), one strength per name."""

    severities = SEVERITIES

    def __init__(self, group: str, index: int):
        self.name, self.frequency, self.index = f"bench_{group}_{index}", group, index

    def version(self) -> str:
        return "1"

    def apply(self, image, severity, rng):
        strength = severity * (1 + self.index) / 5
        if self.frequency == "high":
            out = image + rng.normal(0, 6 * strength, image.shape)
        elif self.frequency == "medium":
            k = 1 + 2 * int(round(strength))
            padded = np.pad(image.astype(float), ((k, k), (k, k), (0, 0)), mode="edge")
            out = sum(padded[k + dy : k + dy + image.shape[0], k : k + image.shape[1]] for dy in range(-k, k + 1))
            out = out / (2 * k + 1)
        else:
            mean = image.mean(axis=(0, 1), keepdims=True)
            out = (image - mean) * max(0.05, 1 - 0.15 * strength) + mean
        return np.clip(np.round(out), 0, 255).astype(np.uint8)


def codecs(count: int) -> list[ZlibQuant]:
    return [ZlibQuant(f"zq{i}", base=48.0 + 8 * i, stride=1 + i % 3) for i in range(count)]


@hookimpl
def register_codecs(register):
    for codec in codecs(int(os.environ.get("REPORT_SCALE_CODECS", "7"))):
        register(codec)


@hookimpl
def register_corruptions(register):
    for group in GROUPS:
        for index in range(5):
            register(Cheap(group, index))


def write_images(folder: Path, count: int) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:48, 0:64]
    for i in range(count):
        base = np.stack([x * (2 + i % 3), y * (3 + i % 4), (x + y) * 2], axis=-1) + 40 * i % 120
        image = np.clip(base + rng.normal(0, 10, base.shape), 0, 255).astype(np.uint8)
        Image.fromarray(image).save(folder / f"img{i:02d}.png")


def make_rows(folder: Path, images: int, count: int, qualities: int) -> float:
    """The rows: a real run_grid run in a subprocess that loads only this file as a plugin; its seconds."""
    write_images(folder / "images", images)
    spec = {"dataset": str(folder / "images"), "run_dir": str(folder / "run"), "workers": 1, "device": "cpu",
            "corruptions": ["all"], "severities": list(SEVERITIES), "metrics": ["psnr", "psnr_wrt_clean"],
            "codecs": [[c.name, list(range(1, qualities + 1))] for c in codecs(count)]}
    env = {**os.environ, "PYTHONPATH": str(HERE), "OODNIC_PLUGIN_MODULES": "report_scale", "OODNIC_PLUGINS": "",
           "REPORT_SCALE_CODECS": str(count)}
    code = ("import json, sys; from oodnic_platform import CodecChoice, RunConfig, run_grid; s = json.loads(sys.argv[1]);"
            " c = [CodecChoice(n, q) for n, q in s.pop('codecs')]; run_grid(RunConfig(codecs=c, **s), progress=False)")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, json.dumps(spec)], env=env, check=True)
    return time.perf_counter() - start


def round_mantissa(values: np.ndarray, bits: int) -> np.ndarray:
    out = values.astype(np.float32)
    raw = out.view(np.uint32)
    drop = 23 - bits
    raw += np.uint32(1 << (drop - 1))
    raw &= ~np.uint32((1 << drop) - 1)
    return out


def make_arrays(run_dir: Path, size: tuple[int, int]) -> tuple[float, int]:
    """One spectral group per (codec, quality, input) in layout 2, through save_arrays; seconds and count."""
    from oodnic_platform.results import open_run, save_arrays

    height, width = size
    fy, fx = np.fft.fftfreq(height)[:, None], np.fft.rfftfreq(width)[None, :]
    radius = np.hypot(fy, fx)
    step = 1.0 / min(size)
    bins = np.rint(radius / step).astype(int).ravel()
    weights = np.where((np.arange(width // 2 + 1) == 0) | (np.arange(width // 2 + 1) == width // 2), 1.0, 2.0)
    weights = np.broadcast_to(weights, radius.shape).ravel()
    counts = np.bincount(bins, weights)
    metadata = {"mode": "power", "size": [height, width], "layout_version": 2, "band_edges": [0.125, 0.25],
                "radial_bin_width": step, "units": "|F(e)|^2/(H W) (synthetic)", "mantissa_bits": MANTISSA_BITS}
    with open_run(run_dir) as run:
        keys = sorted({(r["codec"], r["codec_settings"], r["quality"], r["corruption"], r["severity"], r["frequency"])
                       for r in run.rows()})
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    for codec, settings, quality, corruption, severity, frequency in keys:
        level = 1e-3 / quality * (1 + severity)
        spectrum = level / (1 + 40 * radius) * (1 + 0.1 * rng.standard_normal(radius.shape)) ** 2
        kinds = ("D",) if severity == 0 else ("G", "R")
        arrays = {"count": np.array([24.0]), "radial_frequency": np.arange(len(counts)) * step,
                  "freq_y": np.fft.fftfreq(height), "freq_x": np.fft.rfftfreq(width)}
        for k, kind in enumerate(kinds):
            half = spectrum * (1 + k)
            arrays[f"{kind}_half"] = round_mantissa(half, MANTISSA_BITS)
            arrays[f"{kind}_radial"] = np.bincount(bins, weights * half.ravel()) / counts
        meta = {"codec": codec, "codec_settings": settings, "quality": quality, "corruption": corruption,
                "severity": severity, "frequency": frequency, "metric": "spectral", "images": 24}
        save_arrays(run_dir, "spectral", meta, arrays, metadata)
    return time.perf_counter() - start, len(keys)


def baseline(run_dir: Path) -> float:
    """Read every row, and load the planes the report shows (each codec at its middle quality, every input) once."""
    from oodnic_platform.results import open_run

    start = time.perf_counter()
    with open_run(run_dir) as run:
        rows = run.rows()
        qualities: dict[str, set] = {}
        for row in rows:
            qualities.setdefault(row["codec"], set()).add(row["quality"])
        middle = {c: sorted(q)[len(q) // 2] for c, q in qualities.items()}
        for group in run.arrays("spectral"):
            if group.meta["quality"] == middle.get(group.meta["codec"]):
                group.load([k for k in group.keys() if k.endswith("_half")])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/oodnic-report-scale"))
    parser.add_argument("--images", type=int, default=24)
    parser.add_argument("--codecs", type=int, default=7)
    parser.add_argument("--qualities", type=int, default=5)
    parser.add_argument("--size", default="512x768")
    parser.add_argument("--fresh", action="store_true", help="rebuild the run folder")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    run_dir = args.folder / "run"
    if args.fresh:
        shutil.rmtree(args.folder, ignore_errors=True)
    if not (args.folder / "done.json").is_file():
        shutil.rmtree(args.folder, ignore_errors=True)
        rows_s = make_rows(args.folder, args.images, args.codecs, args.qualities)
        arrays_s, groups = make_arrays(run_dir, size)
        (args.folder / "done.json").write_text(json.dumps({"rows_s": rows_s, "arrays_s": arrays_s, "groups": groups,
                                                          "size": list(size)}))
    made = json.loads((args.folder / "done.json").read_text())
    from oodnic_platform.results import open_run

    with open_run(run_dir) as run:
        rows, groups = run.count(), len(run.arrays("spectral"))
    print(f"run folder {run_dir}: {rows} rows (run_grid: {made['rows_s']:.0f} s), {groups} spectral groups of "
          f"{made['size'][0]}x{made['size'][1]} (save_arrays: {made['arrays_s']:.0f} s)")
    print(f"load before: {os.getloadavg()[0]:.2f}")
    start, cpu = time.perf_counter(), time.process_time()
    floor = baseline(run_dir)
    print(f"baseline (rows + the shown planes, read once): {floor:.1f} s wall, {time.process_time() - cpu:.1f} s CPU")
    logging.basicConfig(level=logging.INFO, format="  %(message)s", stream=sys.stdout)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    from oodnic_report.build import build_report
    from oodnic_report.context import Options

    start, cpu = time.perf_counter(), time.process_time()
    report = build_report(run_dir, args.folder / "report", options=Options(anchor="zq0"))
    took = time.perf_counter() - start
    print(f"oodnic report: {took:.1f} s wall, {time.process_time() - cpu:.1f} s CPU ({len(report.figures)} figures, {len(report.tables)} tables, "
          f"{len(report.grids)} tile/crop grids, {len(report.skipped)} skips) -> {report.path}")
    print(f"ratio report / baseline: {took / floor:.1f}x; load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
