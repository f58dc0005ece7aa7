"""Neural codec throughput on Kodak: the platform's Codec object vs a bare CompressAI loop.

    .venv/bin/python bench/compressai_throughput.py [--codec oodnic-tiny] [--quality 1] [--images 8] [--repeats 3]

Times, in one run and interleaved, Kodak images through

* ``codec``: the registered Codec as the runner calls it (``encode_batch`` then
  ``decode_batch`` on each group of equal-size images), with its default
  settings (which include the entropy-estimated bpp: one extra forward pass);
* ``codec-no-estimate``: the same with ``estimate_bpp=False``;
* ``bare``: the same nn.Module in a plain loop, one image at a time:
  uint8 -> float tensor, pad, ``model.compress``, ``model.decompress``, crop, uint8
  (with the codec's rate argument for variable-rate models, e.g. ``lmbda``).

Prints images per second (fastest of ``--repeats``) and the ratio of each codec
path's time to the bare loop's (target <= 1.1 for ``codec-no-estimate``; the
default path also pays for the forward pass the estimate needs). Kodak comes
from OODNIC_KODAK_DIR or ../shared/datasets/kodak.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from oodnic_platform import get_registry, read_image

ROOT = Path(__file__).resolve().parent.parent


def kodak_images(count: int) -> list[np.ndarray]:
    folder = Path(os.environ.get("OODNIC_KODAK_DIR", ROOT.parent / "shared" / "datasets" / "kodak"))
    paths = sorted(folder.glob("kodim*.png"))[:count]
    if not paths:
        raise SystemExit(f"no Kodak images in {folder}: set OODNIC_KODAK_DIR")
    return [read_image(p) for p in paths]


def by_shape(images: list[np.ndarray]) -> list[list[np.ndarray]]:
    groups: dict[tuple, list[np.ndarray]] = {}
    for image in images:
        groups.setdefault(image.shape, []).append(image)
    return list(groups.values())


def codec_pass(codec, groups: list[list[np.ndarray]], quality) -> None:
    for group in groups:
        codec.decode_batch(codec.encode_batch(group, quality))


@torch.no_grad()
def bare_pass(model, images: list[np.ndarray], kwargs: dict) -> None:
    for image in images:
        height, width = image.shape[:2]
        x = torch.from_numpy(image).permute(2, 0, 1)[None].float().div(255)
        x = F.pad(x, (0, -width % 64, 0, -height % 64), mode="replicate")
        coded = model.compress(x, **kwargs)
        x_hat = model.decompress(coded["strings"], coded["shape"], **kwargs)["x_hat"][:, :, :height, :width]
        x_hat.clamp(0, 1).mul(255).round().to(torch.uint8)[0].permute(1, 2, 0).numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--codec", default="oodnic-tiny")
    parser.add_argument("--quality", type=float, default=1)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    codec = get_registry().codecs[args.codec]
    quality = codec.parse_quality(str(args.quality))
    no_estimate = codec.configure(estimate_bpp=False)
    for c in (codec, no_estimate):
        c.load("cpu")
    model = codec.model(quality)
    kwargs = codec.coding_kwargs(model, float(np.float32(quality)))
    images = kodak_images(args.images)
    groups = by_shape(images)
    paths = {
        "codec": lambda: codec_pass(codec, groups, quality),
        "codec-no-estimate": lambda: codec_pass(no_estimate, groups, quality),
        "bare": lambda: bare_pass(model, images, kwargs),
    }
    bare_pass(model, images[:1], kwargs)  # warm-up
    codec_pass(codec, [groups[0][:1]], quality)
    best = dict.fromkeys(paths, float("inf"))
    for _ in range(args.repeats):
        for name, run in paths.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    print(f"{args.codec} quality {quality}, {len(images)} Kodak images, {args.threads} thread(s), "
          f"fastest of {args.repeats}, encode+decode")
    for name, seconds in best.items():
        print(f"  {name:18s} {len(images) / seconds:7.2f} images/s   time ratio vs bare {seconds / best['bare']:.3f}")


if __name__ == "__main__":
    main()
