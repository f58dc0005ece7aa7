"""Kodak-C generation time: the oodnic-imagenet-c plugin vs imagecorruptions 1.1.2 (shimmed).

Both make the same images (N Kodak images x 15 corruptions x 5 severities) in
this one process, interleaved per image and corruption so that load on the
machine hits both alike. Prints per-corruption seconds and the ratio.

    .venv/bin/python bench/imagenet_c.py --images 2

The oracle needs over a minute per Kodak image (glass blur alone ~10 s per
severity), so the full 24 takes about half an hour.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

from oodnic_imagenet_c import CORRUPTIONS
from oodnic_platform import derive_rng, read_image

ROOT = Path(__file__).resolve().parent.parent
ORACLE = ROOT / "plugins" / "oodnic-imagenet-c" / "tests" / "imagenet_c_oracle.py"


def load_oracle():
    spec = importlib.util.spec_from_file_location("imagenet_c_oracle", ORACLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=24, help="first N Kodak images (default all 24)")
    parser.add_argument("--kodak-dir", type=Path, default=Path(os.environ.get("OODNIC_KODAK_DIR", ROOT.parent / "shared" / "datasets" / "kodak")))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paths = sorted(args.kodak_dir.glob("kodim*.png"))[: args.images]
    if not paths:
        sys.exit(f"no kodim*.png in {args.kodak_dir}: pass --kodak-dir or set OODNIC_KODAK_DIR")
    oracle = load_oracle()
    corruptions = [c() for c in CORRUPTIONS]
    plugin_s = {c.name: 0.0 for c in corruptions}
    oracle_s = dict(plugin_s)
    for number, path in enumerate(paths, 1):
        image = read_image(path)
        for corruption in corruptions:
            start = time.perf_counter()
            for severity in corruption.severities:
                corruption.apply(image, severity, derive_rng(args.seed, path.name, corruption.name, severity))
            plugin_s[corruption.name] += time.perf_counter() - start
            start = time.perf_counter()
            for severity in corruption.severities:
                oracle.corrupt(image, corruption.name, severity, args.seed)
            oracle_s[corruption.name] += time.perf_counter() - start
        print(f"[{number}/{len(paths)}] {path.name}: plugin {sum(plugin_s.values()):.1f} s, "
              f"oracle {sum(oracle_s.values()):.1f} s so far", file=sys.stderr, flush=True)
    print(f"Kodak-C generation, {len(paths)} image(s) x 15 corruptions x 5 severities, one process")
    print(f"{'corruption':20s} {'plugin s':>9s} {'oracle s':>9s} {'speed-up':>9s}")
    for name in plugin_s:
        print(f"{name:20s} {plugin_s[name]:9.2f} {oracle_s[name]:9.2f} {oracle_s[name] / plugin_s[name]:8.1f}x")
    total_p, total_o = sum(plugin_s.values()), sum(oracle_s.values())
    print(f"{'TOTAL':20s} {total_p:9.2f} {total_o:9.2f} {total_o / total_p:8.1f}x  (target >= 10x)")


if __name__ == "__main__":
    main()
