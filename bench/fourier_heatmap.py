"""Fourier heat-map wall time: the platform (one process, batched) vs one process per basis.

    python bench/fourier_heatmap.py [--grid 15] [--images 4] [--quality 50]

The platform side runs ``oodnic fourier-heatmap`` once (codec loaded once,
bases x images batched). The baseline does what the paper's code does: one
fresh interpreter per basis that imports the stack, loads the codec and the
images, codes each perturbed image on its own and writes a JSON result. Both
use the same seeded signs, so the two maps must agree. Codec: the registered
``jpeg`` when installed, else a Pillow JPEG codec defined here. Kodak comes
from $OODNIC_KODAK_DIR or ../shared/datasets/kodak beside the checkout.
"""

from __future__ import annotations

import argparse
import io
import json
import os
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


def resolve_codec():
    """The registered ``jpeg`` codec, or a Pillow JPEG codec when no jpeg plugin is installed."""
    from oodnic_platform import Codec, decode_image, get_registry

    codec = get_registry().codecs.get("jpeg")
    if codec is not None and codec.unavailable_reason() is None:
        return codec

    class PillowJpeg(Codec):
        name = "bench-pillow-jpeg"
        qualities = (50,)

        def encode(self, image, quality):
            from PIL import Image

            buffer = io.BytesIO()
            Image.fromarray(image).save(buffer, format="JPEG", quality=int(quality))
            return buffer.getvalue()

        def decode(self, data):
            return decode_image(data)

    return PillowJpeg()


def platform_worker(args) -> None:
    """Everything the ``fourier-heatmap`` command does, for a codec the registry may lack."""
    from oodnic_platform import FolderDataset
    from oodnic_spectral.heatmap import HeatmapSettings, load_crops, run_heatmap

    codec = resolve_codec()
    codec.load(args.device)
    crops = load_crops(FolderDataset(kodak_dir()).images()[: args.images], args.crop, args.device)
    settings = HeatmapSettings(grid=args.grid, crop=args.crop, eps=args.eps, seed=args.seed, batch=args.batch)
    print(run_heatmap(codec, codec.parse_quality(args.quality), "kodak", crops, settings, args.out))


def basis_worker(args) -> None:
    """One basis in a fresh process, one image per codec call (the reference's batch size 1)."""
    from oodnic_platform import FolderDataset
    from oodnic_spectral.heatmap import CropSet, load_crops, measure_bases

    codec = resolve_codec()
    codec.load(args.device)
    crops = load_crops(FolderDataset(kodak_dir()).images()[: args.images], args.crop, args.device)
    quality, frequency = codec.parse_quality(args.quality), (args.fy, args.fx)
    results = [
        measure_bases(codec, quality, CropSet([n], [s], crops.pixels[i : i + 1]), [frequency], args.eps, args.seed)[0]
        for i, (n, s) in enumerate(zip(crops.names, crops.sha256))
    ]
    summary = {key: float(np.mean([getattr(r, key) for r in results])) for key in ("psnr_input", "psnr_clean")}
    Path(args.out, f"basis_{args.fy}_{args.fx}.json").write_text(json.dumps(summary))


def run(command: list[str]) -> float:
    """Wall time of one subprocess; its output is shown only when it fails."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", type=int, default=15)
    parser.add_argument("--images", type=int, default=4)
    parser.add_argument("--crop", type=int, default=512)
    parser.add_argument("--quality", default="50")
    parser.add_argument("--eps", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--worker", choices=("platform", "basis"), help=argparse.SUPPRESS)
    parser.add_argument("--fy", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fx", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker == "platform":
        return platform_worker(args)
    if args.worker == "basis":
        return basis_worker(args)

    from oodnic_spectral.fourier import half_plane_frequencies
    from oodnic_spectral.heatmap import assemble

    codec = resolve_codec()
    common = ["--grid", str(args.grid), "--images", str(args.images), "--crop", str(args.crop), "--quality",
              args.quality, "--eps", str(args.eps), "--seed", str(args.seed), "--device", args.device]
    frequencies = half_plane_frequencies(args.grid)
    with tempfile.TemporaryDirectory() as tmp:
        platform_out, baseline_out = Path(tmp, "platform"), Path(tmp, "baseline")
        baseline_out.mkdir()
        oodnic = Path(sys.executable).parent / "oodnic"
        if codec.name == "jpeg" and oodnic.exists():
            platform_cmd = [str(oodnic), "fourier-heatmap", "--codec", "jpeg", "--dataset", str(kodak_dir()),
                            "--out", str(platform_out), *common, "--batch", str(args.batch)]
        else:
            platform_cmd = [sys.executable, __file__, "--worker", "platform", "--out", str(platform_out), *common,
                            "--batch", str(args.batch)]
        platform_s = run(platform_cmd)
        baseline_s = sum(
            run([sys.executable, __file__, "--worker", "basis", "--fy", str(fy), "--fx", str(fx),
                 "--out", str(baseline_out), *common])
            for fy, fx in frequencies
        )
        (npz,) = platform_out.glob("fourier_heatmap_*.npz")
        with np.load(npz) as maps:
            ours = {key: maps[key] for key in ("psnr_input", "psnr_clean")}
        per_basis = {f: json.loads((baseline_out / f"basis_{f[0]}_{f[1]}.json").read_text()) for f in frequencies}
    diffs = {key: float(np.max(np.abs(ours[key] - assemble(args.grid, {f: r[key] for f, r in per_basis.items()}))))
             for key in ours}
    print(f"Fourier heat map: codec {codec.name} ({codec.version()}) q={args.quality}, K={args.grid} "
          f"({len(frequencies)} bases), {args.images} Kodak crops {args.crop}x{args.crop}, eps {args.eps}, "
          f"seed {args.seed}, device {args.device}")
    print(f"platform, one process (batched):  {platform_s:8.1f} s")
    print(f"baseline, one process per basis:  {baseline_s:8.1f} s  ({baseline_s / len(frequencies):.2f} s per basis)")
    print(f"speed-up: {baseline_s / platform_s:.1f}x (target >= 20x)")
    print(f"maps agree: max |diff| psnr_input {diffs['psnr_input']:.2e} dB, psnr_clean {diffs['psnr_clean']:.2e} dB")


if __name__ == "__main__":
    main()
