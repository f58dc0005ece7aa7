"""Per-sample cost of the spectral metrics vs the paper's per-image formula as a bare numpy loop.

    python bench/spectral_metric.py [--images 4] [--qualities 10,50]

Samples are built as the runner builds them: each Kodak image clean and with
seeded Gaussian noise (sigma 20 grey levels), coded with Pillow JPEG at each
quality, visited codec-quality-major (every image at one quality, then the
next quality), the order in which the runner's worker feeds metrics. Times
are CPU time per sample, best of ``--repeats`` passes, on one core (torch,
when an older oodnic-spectral needs it, is limited to one thread).

Baseline: what a user of the paper's code writes per sample (its
``get_power_spectrums`` on ``Normalize(ToTensor(.))`` images, numpy): for D,
or G and R, normalise both images, round the difference, ``rgb2gray``,
``|fftshift(fft2(.))|`` and add it to a running sum. The platform's
``spectral_paper`` computes the same spectra; the maximum difference of the
two group means (relative to their maximum) is printed.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
KODAK_MEAN = np.float32((0.46581238, 0.43006341, 0.35991835))
KODAK_STD = np.float32((0.21588426, 0.22908859, 0.22003406))
GREY = np.float32((0.2125, 0.7154, 0.0721))


def kodak_dir() -> Path:
    path = Path(os.environ.get("OODNIC_KODAK_DIR", ROOT.parent / "shared" / "datasets" / "kodak"))
    if not path.is_dir():
        sys.exit(f"Kodak not found at {path}: set OODNIC_KODAK_DIR")
    return path


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def build_samples(images: int, qualities: list[int]):
    from oodnic_platform import Sample, read_image

    paths = sorted(kodak_dir().glob("*.png"))[:images]
    rng = np.random.default_rng(0)
    variants = []
    for corruption in ("clean", "noise"):
        pairs = []
        for path in paths:
            clean = read_image(path)
            given = clean if corruption == "clean" else np.clip(
                clean + rng.normal(0, 20, clean.shape), 0, 255).astype(np.uint8)
            pairs.append((path.name, clean, given))
        variants.append((corruption, pairs))
    samples = []
    for corruption, pairs in variants:
        for quality in qualities:
            for name, clean, given in pairs:
                samples.append(Sample(clean=clean, input=given, reconstruction=jpeg(given, quality), num_bytes=0,
                                      image=name, corruption=corruption, severity=0 if corruption == "clean" else 3,
                                      codec="jpeg", quality=quality))
    return samples


def paper_spectrum(recon: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """The paper's get_power_spectrums(norm(x^) - norm(ref)), portrait images transposed first."""
    def normalise(image):
        if image.shape[0] > image.shape[1]:
            image = image.transpose(1, 0, 2)
        return (image.astype(np.float32) / np.float32(255) - KODAK_MEAN) / KODAK_STD

    grey = np.round(normalise(recon) - normalise(ref)) @ GREY
    return np.abs(np.fft.fftshift(np.fft.fft2(grey)))


def baseline(samples) -> dict[tuple[str, str], np.ndarray]:
    sums: dict[tuple[str, str], np.ndarray] = {}
    for s in samples:
        refs = {"D": s.clean} if s.corruption == "clean" else {"G": s.input, "R": s.clean}
        for key, ref in refs.items():
            group = (f"{s.corruption}-{s.quality}", key)
            sums[group] = sums.get(group, 0) + paper_spectrum(s.reconstruction, ref)
    return sums


def platform(metrics, samples) -> dict[str, dict[str, dict[str, np.ndarray]]]:
    from oodnic_platform import add_arrays

    totals: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for s in samples:
        for metric in metrics:
            metric.compute(s)
            group = totals.setdefault(metric.name, {})
            key = f"{s.corruption}-{s.quality}"
            group[key] = add_arrays(group.get(key), metric.accumulate(s))
    return totals


def timed(run, samples, reset) -> tuple[float, object]:
    """(CPU ms per sample, result) of one pass from a cold cache (CPU time: other users' load counts less)."""
    reset()
    start = time.process_time()
    result = run(samples)
    return 1e3 * (time.process_time() - start) / len(samples), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--qualities", default="10,30,50,70,90")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    from oodnic_spectral import metric as spectral

    try:
        from oodnic_spectral.cache import CACHE
        reset = CACHE.clear
    except ImportError:  # an older oodnic-spectral without the shared cache
        def reset():
            return None

    samples = build_samples(args.images, [int(q) for q in args.qualities.split(",")])
    clean = [s for s in samples if s.corruption == "clean"]
    corrupted = [s for s in samples if s.corruption != "clean"]
    power = spectral.SpectralMetric("spectral", "power")
    paper = spectral.SpectralMetric("spectral_paper", "paper")
    for metric in (power, paper):
        metric.load("cpu")

    def reset_all():
        reset()
        for metric in (power, paper):
            metric.load("cpu")

    print(f"spectral metrics per 512x768 sample, one core: {args.images} Kodak images x qualities "
          f"{args.qualities} x (clean, noise); best of {args.repeats} cold-cache passes; "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"{'':34s}{'clean (D)':>12s}{'corrupted (G, R)':>18s}")
    rows = [("baseline: paper formula, numpy", lambda ss: baseline(ss))]
    rows += [(f"platform: {m.name}", lambda ss, m=m: platform([m], ss)) for m in (paper, power)]
    rows += [("platform: spectral + spectral_paper", lambda ss: platform([power, paper], ss))]
    best = {(label, part): float("inf") for label, _ in rows for part in ("clean", "corrupted")}
    for _ in range(args.repeats):  # sides interleaved, best pass of each: load from other users hits all alike
        for label, run in rows:
            for part, subset in (("clean", clean), ("corrupted", corrupted)):
                best[label, part] = min(best[label, part], timed(run, subset, reset_all)[0])
    for label, _ in rows:
        print(f"{label:34s}{best[label, 'clean']:10.1f} ms{best[label, 'corrupted']:15.1f} ms")
    _, reference = timed(baseline, samples, reset_all)
    _, ours = timed(lambda ss: platform([paper], ss), samples, reset_all)
    worst = 0.0
    for key, total in ours["spectral_paper"].items():
        for kind in ("D", "G", "R"):
            if kind in total:
                mine = total[kind]  # the rfft2 half-plane, summed
                expected = np.fft.ifftshift(reference[(key, kind)])[:, : mine.shape[1]]
                worst = max(worst, float(np.max(np.abs(mine - expected)) / expected.max()))
    print(f"spectral_paper sums vs the paper formula: max |diff| / max = {worst:.1e}")


if __name__ == "__main__":
    main()
