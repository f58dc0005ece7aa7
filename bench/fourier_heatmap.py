"""Fourier heat-map wall time: ``oodnic fourier-heatmap`` vs a bare single-process Python loop.

    python bench/fourier_heatmap.py [--codec jpeg] [--grid 15] [--images 4] [--quality 50] [--crop 512]
    python bench/fourier_heatmap.py --codec oodnic-tiny --quality 2 --grid 5 --images 2   # a neural codec on the CPU

Both sides do the same work on the first ``--images`` Kodak images (portrait
ones transposed, centre ``--crop`` crop) with the registered ``--codec``:
for each basis of the K x K half-plane, perturb every crop with eps times the
unit-norm cosine and a seeded sign per channel, round to uint8 (float32 for
codecs that accept it), code it,
decode it, and average PSNR against the perturbed input and the clean crop.

- platform: the ``oodnic fourier-heatmap`` command (bases batched, integer
  perturbation and PSNR vectorised, a process per CPU, each loading the
  codec once);
- baseline: what a user writes without it: one Python process (a neural
  codec's torch using every core), loops over bases and images, the basis from
  ``irfftn`` of a one-hot spectrum (the paper's code), the perturbation and
  PSNR in float64 numpy, one ``codec.encode`` / ``codec.decode`` per image.

Each side runs as its own process, the two alternating ``--repeats`` times
in this run; the best of each is shown. End-to-end wall times include
starting Python and importing the platform, work times exclude that and
loading the images, CPU times add up every process of the side (user +
system): on a machine loaded by others, the wall times show how fast each
side was with the cores it got, the CPU times how much work it did. The maps must agree:
their largest differences are printed. Kodak comes from $OODNIC_KODAK_DIR or
../shared/datasets/kodak beside the checkout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def kodak_dir() -> Path:
    path = Path(os.environ.get("OODNIC_KODAK_DIR", ROOT.parent / "shared" / "datasets" / "kodak"))
    if not path.is_dir():
        sys.exit(f"Kodak not found at {path}: set OODNIC_KODAK_DIR")
    return path


def baseline_worker(args) -> None:
    """The bare loop: one process, one basis and one image at a time, float64 numpy."""
    from oodnic_platform import derive_rng, get_registry, read_image

    codec = get_registry().codecs[args.codec]
    codec.load("cpu")
    quality, size = codec.parse_quality(args.quality), args.crop
    floats = getattr(codec, "accepts_float", False)  # fed unrounded, as the paper feeds its models
    crops, hashes = [], []
    for path in sorted(kodak_dir().glob("*.png"))[: args.images]:
        image = read_image(path)
        if image.shape[0] > image.shape[1]:
            image = image.transpose(1, 0, 2)
        top, left = round((image.shape[0] - size) / 2), round((image.shape[1] - size) / 2)
        crops.append(image[top : top + size, left : left + size])
        hashes.append(hashlib.sha256(path.read_bytes()).hexdigest())
    half = args.grid // 2
    start = time.perf_counter()
    results = {}
    for fy in range(-half, half + 1):
        for fx in range(half + 1):
            if fx == 0 and fy < 0:
                continue
            spectrum = np.zeros((size, size // 2 + 1))
            spectrum[fy % size, fx] = 1.0
            basis = np.fft.irfftn(spectrum, s=(size, size), axes=(-2, -1))
            basis /= np.linalg.norm(basis)
            psnr_input, psnr_clean, bpp = [], [], []
            for crop, sha in zip(crops, hashes):
                signs = derive_rng(args.seed, "fourier-heatmap", sha, fy, fx).integers(0, 2, size=3) * 2.0 - 1.0
                noisy = np.clip(crop / 255.0 + args.eps * basis[:, :, None] * signs, 0.0, 1.0)
                given = (255.0 * noisy).astype(np.float32) if floats else np.rint(255.0 * noisy).astype(np.uint8)
                data = codec.encode(given, quality)
                recon = codec.decode(data).astype(np.float64)
                psnr_input.append(10 * np.log10(255.0**2 / np.mean((recon - given) ** 2)))
                psnr_clean.append(10 * np.log10(255.0**2 / np.mean((recon - crop) ** 2)))
                bpp.append(8.0 * len(data) / (size * size))
            results[f"{fy},{fx}"] = [float(np.mean(psnr_input)), float(np.mean(psnr_clean)), float(np.mean(bpp))]
    seconds = time.perf_counter() - start
    Path(args.out).write_text(json.dumps({"seconds": seconds, "results": results}))


def run(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (its processes and theirs) of one subprocess; output shown only on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codec", default="jpeg", help="registered codec, run on the CPU")
    parser.add_argument("--grid", type=int, default=15)
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--crop", type=int, default=512)
    parser.add_argument("--quality", default="50")
    parser.add_argument("--eps", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="platform processes [the available CPUs]")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each side, interleaved; the best is shown")
    parser.add_argument("--worker", choices=("baseline",), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "baseline":
        return baseline_worker(args)

    oodnic = Path(sys.executable).parent / "oodnic"
    common = ["--grid", str(args.grid), "--images", str(args.images), "--crop", str(args.crop), "--eps",
              str(args.eps), "--seed", str(args.seed), "--quality", args.quality]
    load_before = os.getloadavg()
    best: dict[str, list[float]] = {"platform": [float("inf")] * 3, "baseline": [float("inf")] * 3}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):  # interleaved; other users' load hits both sides alike
            out = Path(tmp, f"platform{repeat}")
            platform_cmd = [str(oodnic), "fourier-heatmap", "--codec", args.codec, "--device", "cpu",
                            "--dataset", str(kodak_dir()),
                            "--out", str(out), *common] + (["--workers", str(args.workers)] if args.workers else [])
            wall, cpu = run(platform_cmd)
            (npz,) = out.glob("fourier_heatmap_*.npz")
            with np.load(npz) as saved:
                ours = {key: saved[key] for key in ("psnr_input", "psnr_clean", "bpp")}
                meta = json.loads(str(saved["metadata"]))
            best["platform"] = [min(a, b) for a, b in zip(best["platform"], (wall, meta["measure_seconds"], cpu))]
            wall, cpu = run([sys.executable, __file__, "--worker", "baseline", "--codec", args.codec, "--out",
                             str(Path(tmp, "baseline.json")), *common])
            baseline = json.loads(Path(tmp, "baseline.json").read_text())
            best["baseline"] = [min(a, b) for a, b in zip(best["baseline"], (wall, baseline["seconds"], cpu))]
    half = args.grid // 2
    diffs = {}
    for index, key in enumerate(("psnr_input", "psnr_clean", "bpp")):
        theirs = np.full((args.grid, args.grid), np.nan)
        for text, values in baseline["results"].items():
            fy, fx = map(int, text.split(","))
            theirs[half + fy, half + fx] = theirs[half - fy, half - fx] = values[index]
        diffs[key] = float(np.max(np.abs(ours[key] - theirs)))
    bases = len(baseline["results"])
    load_after = os.getloadavg()
    print(f"Fourier heat map: {args.codec} q={args.quality}, K={args.grid} ({bases} bases), {args.images} Kodak crops "
          f"{args.crop}x{args.crop}, eps {args.eps}, seed {args.seed}; platform workers {meta['workers']}, "
          f"feed {meta['feed']}; {os.cpu_count()} CPUs, load {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"{'best of ' + str(args.repeats):38s}{'end to end':>12s}{'work':>10s}{'CPU':>10s}")
    for label, side in (("baseline, one process, Python loop", "baseline"),
                        ("platform, oodnic fourier-heatmap", "platform")):
        wall, work, cpu = best[side]
        print(f"{label:38s}{wall:10.2f} s{work:8.2f} s{cpu:8.2f} s")
    ratios = [b / p for b, p in zip(best["baseline"], best["platform"])]
    print(f"{'baseline / platform (target >= 3x)':38s}{ratios[0]:10.2f} x{ratios[1]:8.2f} x{ratios[2]:8.2f} x")
    print(f"maps agree: max |diff| psnr_input {diffs['psnr_input']:.1e} dB, psnr_clean {diffs['psnr_clean']:.1e} dB, "
          f"bpp {diffs['bpp']:.1e}")


if __name__ == "__main__":
    main()
