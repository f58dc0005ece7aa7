"""Throughput of the paper's grid, per row and by stage, and the full grid's time extrapolated on this machine.

    .venv/bin/python bench/paper_grid.py [--preset paper-kodak-c] [--images 2] [--workers N] [--skip-codec vtm]
        [--corruption NAME ...] [--severity 1,3,5]     # a reduced grid: these corruptions and severities only

Two measurements of the same grid (the preset's codecs, corruptions, severities
and metrics on the first N Kodak images):

1. a profile in this one process: CPU seconds of each stage (decode the image,
   corrupt it, encode and decode with each codec, each metric), per row;
2. the whole command a user types, ``oodnic run --preset ... --images N``, in a
   subprocess with its worker processes: wall and CPU (driver + workers).

The difference between (2) and the sum of (1) is the platform's own cost
(process start, plugin loading, inter-process transfer, the results store,
finalizing arrays). The full grid's rows and its time on this machine are
extrapolated from (2) per row: an upper bound, since start-up is paid once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from oodnic_platform import Sample
from oodnic_platform.config import load_toml
from oodnic_platform.corruption import corrupt
from oodnic_platform.plan import plan
from oodnic_platform.plugins import get_registry
from oodnic_platform.worker import WorkerState

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ROOT / "oodnic_platform" / "presets"


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def config_for(args: argparse.Namespace, run_dir: Path, images: int):
    config = load_toml(PRESETS / f"{args.preset}.toml")
    config.images, config.run_dir = images, str(run_dir)
    config.codecs = [c for c in config.codecs or [] if c.name not in args.skip_codec]
    if args.corruption:
        config.corruptions = list(args.corruption)
    if args.severity:
        config.severities = [int(s) for s in args.severity.split(",")]
    if args.workers:
        config.workers = args.workers
    return config


def profile(args: argparse.Namespace, run_dir: Path) -> tuple[dict[str, float], int]:
    """CPU seconds per stage of the grid on N images, in this process."""
    the_plan = plan(config_for(args, run_dir, args.images), get_registry())
    state = WorkerState(the_plan.spec)
    ladders: dict[int, list] = defaultdict(list)
    for _, _, job in the_plan.jobs:
        if job.quality not in ladders[job.codec]:
            ladders[job.codec].append(job.quality)
    stages: dict[str, float] = defaultdict(float)
    rows = 0

    def timed(stage: str, function, *arguments):
        start = time.process_time()
        value = function(*arguments)
        stages[stage] += time.process_time() - start
        return value

    for variant in the_plan.spec.variants:
        for name in the_plan.images:
            ref = state.refs[name]
            clean = timed("decode image", ref.load, the_plan.spec.max_pixels)
            given = clean if variant.is_clean else timed(
                "corrupt", corrupt, state.registry.corruptions[variant.corruption], clean, variant.severity,
                the_plan.spec.seed, ref.sha256)
            for index, qualities in ladders.items():
                codec = state.codec(index)
                for quality in qualities:
                    data = timed(f"encode {codec.name}", codec.encode, given, quality)
                    recon = timed(f"decode {codec.name}", codec.decode, data)
                    sample = Sample(clean, given, recon, len(data), name, variant.corruption, variant.severity,
                                    codec.name, quality)
                    for metric in state.metrics:
                        timed(f"metric {metric.name}", metric.compute, sample)
                        if metric.accumulates:
                            timed(f"metric {metric.name}", metric.accumulate, sample)
                    rows += 1
    return dict(stages), rows


def whole_command(args: argparse.Namespace, run_dir: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of ``oodnic run`` on the same grid (the preset as TOML, minus skipped codecs)."""
    config = config_for(args, run_dir, args.images)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    toml = run_dir.parent / "grid.toml"
    toml.write_text(_toml(config))
    command = [sys.executable, "-c", "from oodnic_platform.cli import main; main()", "run", "--config", str(toml),
               "--no-progress"]
    cpu, start = children_cpu(), time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode not in (0, 1):
        sys.exit(f"oodnic run failed:\n{result.stderr}")
    rows = int(result.stdout.strip().splitlines()[-1].split()[0])
    return wall, children_cpu() - cpu, rows


def _toml(config) -> str:
    """The configuration back as TOML (only what a preset sets)."""
    lines = [f"dataset = {json.dumps(config.dataset)}", f"run_dir = {json.dumps(config.run_dir)}",
             f"images = {config.images}", f"workers = {config.workers}", f"seed = {config.seed or 0}",
             f"corruptions = {json.dumps(config.corruptions)}", f"severities = {json.dumps(config.severities)}",
             f"clean = {'true' if config.clean else 'false'}", f"metrics = {json.dumps(config.metrics)}",
             f"images_per_chunk = {config.images_per_chunk}", "", "[dataset_options]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in config.dataset_options.items()]
    for choice in config.codecs:
        lines += ["", "[[codecs]]", f"name = {json.dumps(choice.name)}"]
        if choice.qualities is not None:
            lines.append(f"qualities = {json.dumps(choice.qualities)}")
        if choice.settings:
            lines.append("settings = {" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in choice.settings.items()) + "}")
    return "\n".join(lines) + "\n"


def main() -> None:
    shared_kodak = ROOT.parent / "shared" / "datasets" / "kodak"
    if "OODNIC_KODAK_DIR" not in os.environ and shared_kodak.is_dir():
        os.environ["OODNIC_KODAK_DIR"] = str(shared_kodak)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="paper-kodak-c")
    parser.add_argument("--images", type=int, default=2, help="first N images (default 2)")
    parser.add_argument("--workers", type=int, help="worker processes of the whole command (default: the preset's)")
    parser.add_argument("--skip-codec", action="append", default=[], help="leave a codec out (repeatable)")
    parser.add_argument("--corruption", action="append", default=[], help="only this corruption (repeatable)")
    parser.add_argument("--severity", help="only these severities, e.g. 1,3,5")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="oodnic-bench-") as tmp:
        stages, rows = profile(args, Path(tmp, "profile"))
        wall, cpu, total_rows = whole_command(args, Path(tmp, "run", "r"))
        full = plan(config_for(args, Path(tmp, "full"), 0), get_registry())
    staged = sum(stages.values())
    print(f"{args.preset}, {args.images} image(s): {rows} rows ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    print(f"{'stage':34s} {'CPU s':>8s} {'ms/row':>8s} {'share':>6s}")
    for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"{stage:34s} {seconds:8.2f} {1000 * seconds / rows:8.1f} {seconds / staged:6.1%}")
    print(f"{'sum of stages (one process)':34s} {staged:8.2f} {1000 * staged / rows:8.1f}")
    print(f"whole `oodnic run` ({total_rows} rows): wall {wall:.1f} s, CPU {cpu:.1f} s "
          f"({1000 * cpu / total_rows:.1f} ms/row); platform's own cost {cpu - staged:.1f} CPU s "
          f"= {1 - staged / cpu:.0%} of the whole")
    full_rows = len(full.jobs)
    cores = min(os.cpu_count() or 1, config_for(args, Path(tmp), 0).workers)
    estimate = cpu / total_rows * full_rows
    print(f"full grid ({len(full.images)} images): {full_rows} rows; CPU {estimate / 3600:.2f} h, "
          f"wall on {cores} core(s) about {estimate / cores / 3600:.2f} h (upper bound: start-up counted per row)")


if __name__ == "__main__":
    main()
