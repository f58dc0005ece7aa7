"""Rate matching on Kodak: the probes (rows coded) spent per matched row, per codec.

One ``oodnic run --target-bpp`` over clean and corrupted Kodak images; prints,
per codec, its declared quality scale, the (image, input, target) cases, how
many met the tolerance, how many were unreachable (the target outside the
rates the codec reached on that input), and the rows coded per case (and per
case that met the tolerance): every
distinct probe counted once, however many targets shared it. Goal: at most
4 on average for continuous qualities.

    .venv/bin/python bench/rate_match.py [--kodak DIR] [--images N] [--targets 0.25,0.5,1.0]
        [--codec NAME[:k=v]] ... [--corruption NAME] ... [--severity 1,3,5] [--workers N]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from oodnic_platform.config import CodecChoice, RunConfig, parse_choice
from oodnic_platform.plugins import get_registry
from oodnic_platform.ratesearch import Scale
from oodnic_platform.results import open_run
from oodnic_platform.runner import run

CODECS = ["jpeg", "webp", "jpeg2000:mode=paper", "jpeg2000", "jpegxl", "oodnic-tiny-vr", "oodnic-tiny"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kodak", default=os.environ.get("OODNIC_KODAK_DIR", "../shared/datasets/kodak"))
    parser.add_argument("--images", type=int, default=3)
    parser.add_argument("--targets", default="0.25,0.5,1.0")
    parser.add_argument("--codec", action="append", dest="codecs")
    parser.add_argument("--corruption", action="append", dest="corruptions")
    parser.add_argument("--severity", default="3,5")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    choices = [CodecChoice(name, settings=settings) for name, settings in map(parse_choice, args.codecs or CODECS)]
    targets = [float(t) for t in args.targets.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        config = RunConfig(dataset="kodak", dataset_options={"path": args.kodak}, run_dir=str(Path(tmp) / "run"),
                           corruptions=args.corruptions or ["gaussian_noise", "contrast"],
                           severities=[int(s) for s in args.severity.split(",")], images=args.images,
                           workers=args.workers, metrics=["psnr"], codecs=choices, target_bpp=targets, device="cpu")
        start = time.perf_counter()
        outcome = run(config, progress=False)
        wall = time.perf_counter() - start
        with open_run(outcome.run_dir) as results:
            matches = list(results.rate_matches())
            rows = results.rows(status=None)
    registry = get_registry()
    scales, labels = {}, {}
    for choice, text in zip(choices, args.codecs or CODECS):
        codec = registry.codecs[choice.name].configure(**choice.settings)
        key = (choice.name, json.dumps(codec.identity_settings(), sort_keys=True, default=str))
        scales[key], labels[key] = Scale.of(codec), text
    cases: dict[tuple, list] = defaultdict(list)
    for m in matches:
        cases[(m.codec, m.codec_settings)].append(m)
    coded: dict[tuple, int] = defaultdict(int)
    for row in rows:
        coded[(row["codec"], row["codec_settings"])] += 1
    print(f"{len(outcome.rows)} rows in {wall:.0f} s; {args.images} Kodak image(s) x {len(config.severities)} "
          f"severities of {', '.join(config.corruptions)} + clean; targets {args.targets} bpp")
    print(f"{'codec':<34} {'scale':<11} {'cases':>5} {'met':>4} {'unreach':>7} {'rows/case':>9} {'rows/met':>8}")
    for (name, settings), found in sorted(cases.items()):
        scale = scales[(name, settings)]
        met = sum(m.met for m in found)
        unreachable = sum(not m.met and not m.reachable[0] <= m.target_bpp <= m.reachable[1] for m in found)
        rows_per_case = coded[(name, settings)] / len(found)
        print(f"{labels[(name, settings)]:<34} {scale.kind:<11} {len(found):>5} {met:>4} {unreachable:>7} "
              f"{rows_per_case:>9.2f} {coded[(name, settings)] / max(met, 1):>8.2f}")


if __name__ == "__main__":
    main()
