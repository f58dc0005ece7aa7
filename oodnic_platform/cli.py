"""The ``oodnic`` command line: every command reports a user mistake as one line and exit status 2."""

from __future__ import annotations

import json
import logging
import math
import shlex
import signal
import sys
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable

import click

from . import __version__
from .config import (ConfigError, RunConfig, load_toml, parse_codec_option, parse_int_list, parse_pairs,
                     parse_targets)
from .corrupted_set import write_corrupted_set
from .corruption import CLEAN, FREQUENCY_GROUPS
from .errors import DatasetError, did_you_mean, unknown
from .export import export as export_results
from .images import ImageError
from .plan import default_codec_choices, resolve_dataset, resolve_seed, select_variants
from .plugins import Registry, get_registry
from .results import RunError, open_run
from .runner import merge_runs, run as run_grid
from .settings import declared_settings
from .store import check_writable

USER_ERRORS = (ConfigError, DatasetError, ImageError, RunError, FileNotFoundError)
PRESETS = Path(__file__).parent / "presets"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="oodnic")
@click.option("-v", "--verbose", count=True, help="Log what happens (-v: steps, -vv: details) on stderr.")
def cli(verbose: int) -> None:
    """Benchmark image codecs, classic and neural, on clean and corrupted images."""
    configure_logging(verbose)


def configure_logging(verbose: int) -> None:
    """``-v``: the platform's and plugins' (``oodnic*`` loggers) steps; ``-vv``: details. Libraries stay at warnings."""
    level = logging.WARNING if not verbose else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("oodnic: %(levelname)s: %(name)s: %(message)s"))
    handler.addFilter(lambda record: record.levelno >= logging.WARNING or record.name.startswith("oodnic"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


@cli.command()
def plugins() -> None:
    """List installed plugins, what they register with versions, refusals and failures."""
    registry = get_registry()
    for info in registry.plugins:
        click.echo(f"{info.name}{'  ' + info.label if info.distribution else ''}")
        for thing in sorted(t for t, owner in registry.owners.items() if owner == info.name):
            kind, name = thing.split(" ", 1)
            click.echo(f"  {_describe(registry, kind, name)}")
            obj = registry.table(kind)[name]
            if declared_settings(obj):
                for line in obj.describe_settings():
                    click.echo(f"{'':13}setting {line}")
    for refusal in registry.refused:
        click.echo(f"{refusal.plugin}  REFUSED {refusal.kind} {refusal.name!r}: {refusal.reason}")
    for name, reason in sorted(registry.failures.items()):
        click.echo(f"{name}  FAILED: {reason}")


def _describe(registry: Registry, kind: str, name: str) -> str:
    """One line per registered thing; a codec shows its version and, where unusable, why."""
    line = f"{kind:<10} {name}"
    if kind != "codec":
        return line
    codec = registry.codecs[name]
    try:
        reason = codec.unavailable_reason()
        line += f"  [{codec.version()}]" if reason is None else f"  (unavailable: {reason})"
    except Exception as exc:
        line += f"  (unavailable: the plugin raised {type(exc).__name__}: {exc})"
    return line


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML file with the run's settings.")
@click.option("--preset", help="A bundled grid, e.g. paper-kodak-c (a TOML file you can copy: see --preset list).")
@click.option("--dataset", help="sample | kodak | clic2020 | a folder of images | a set written by oodnic corrupt.")
@click.option("--dataset-option", "dataset_options", multiple=True, metavar="KEY=VALUE",
              help="Dataset option (repeatable), e.g. geometry=paper, split=test, path=/data/kodak.")
@click.option("--run-dir", help="Where results.sqlite and arrays go (default runs/<dataset>).")
@click.option("--codec", "codecs", multiple=True, help="NAME or NAME:key=value,... (repeatable; default: every available codec).")
@click.option("--skip-codec", "skip_codecs", multiple=True, metavar="NAME",
              help="Leave a codec of the preset or config out (repeatable), e.g. --skip-codec vtm.")
@click.option("--quality", "qualities", multiple=True,
              help="q1,q2,... for all codecs, or NAME=q1,q2; bpp:r1,r2 or NAME=bpp:r1,r2 rate-matches (repeatable).")
@click.option("--target-bpp", help="Rate-match every codec without its own qualities: comma-separated bpp targets, "
                                   "searched per image and input.")
@click.option("--rate-tolerance", type=float, help="A rate match is within this fraction of its target (default 0.05).")
@click.option("--corruption", "corruptions", multiple=True, help="Corruption name (repeatable), 'all' or 'none'.")
@click.option("--severity", help="Comma-separated severities (default 3).")
@click.option("--no-clean", is_flag=True, help="Skip the clean (uncorrupted) input.")
@click.option("--metric", "metrics", multiple=True, help="Metric NAME or NAME:key=value (repeatable; default: all default metrics).")
@click.option("--images", type=int, help="Use only the first N images (0: all).")
@click.option("--seed", type=int, help="Run seed (default 0); corruption seeds derive from it.")
@click.option("--device", help="auto | cpu | cuda | cuda:N (default auto), for torch work.")
@click.option("--workers", type=int, help="Parallel worker processes (default: one per CPU core, at most 8).")
@click.option("--executor", help="local (default) or an installed executor such as dask.")
@click.option("--scheduler", help="Address of an existing scheduler (executors that use one, e.g. dask).")
@click.option("--scheduler-file", type=click.Path(dir_okay=False),
              help="File a starting scheduler writes its address to; waited for (executors that use one, e.g. dask).")
@click.option("--shard", metavar="I/N", help="Run only part I of N of the grid (into its own --run-dir; then "
              "oodnic merge). Every array group stays whole.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option("--traceback", "show_traceback", is_flag=True, help="Print the full traceback of every failed row.")
def run(config_path, preset, dataset, dataset_options, run_dir, codecs, skip_codecs, qualities, target_bpp,
        rate_tolerance, corruptions, severity, no_clean, metrics, images, seed, device, workers, executor, scheduler,
        scheduler_file, shard, no_progress, show_traceback) -> None:
    """Run (or resume) the benchmark grid; finished rows are skipped."""
    if preset == "list":
        for path in sorted(PRESETS.glob("*.toml")):
            click.echo(f"{path.stem}  {path}")
        return
    config = _base_config(config_path, preset)
    for name, value in dict(dataset=dataset, run_dir=run_dir, seed=seed, device=device, workers=workers,
                            executor=executor, images=images, rate_tolerance=rate_tolerance, shard=shard).items():
        if value is not None:
            setattr(config, name, value)
    config.dataset_options.update(parse_pairs(dataset_options, "--dataset-option"))
    if codecs:
        config.codecs = [parse_codec_option(c) for c in codecs]
    if skip_codecs:
        skip_selected_codecs(config, skip_codecs)
    if target_bpp:
        config.target_bpp = parse_targets(target_bpp, "--target-bpp")
    if qualities:
        apply_qualities(config, qualities)
    if corruptions:
        config.corruptions = [] if list(corruptions) == ["none"] else list(corruptions)
    if severity:
        config.severities = parse_int_list(severity, "--severity")
    if no_clean:
        config.clean = False
    if metrics:
        config.metrics = list(metrics)
    for option, key, value in (("--scheduler", "scheduler", scheduler), ("--scheduler-file", "scheduler_file",
                                                                          scheduler_file)):
        if value and config.executor == "local":
            raise ConfigError(f"{option} needs an executor that uses a scheduler: add --executor dask")
        if value:
            config.executor_options[key] = value
    outcome = run_grid(config, progress=not no_progress)
    rows = outcome.rows
    click.echo(summary_table(rows))
    collapsed = f"; {outcome.collapsed} repeated (codec, quality) entries collapsed" if outcome.collapsed else ""
    click.echo(f"{outcome.total} rows ({outcome.skipped} already done{collapsed}) in "
               f"{outcome.run_dir / 'results.sqlite'}")
    met, searched = outcome.matched
    if searched:
        click.echo(f"{met} of {searched} rate targets met within +-{100 * config.rate_tolerance:g} % (the others: "
                   f"the nearest rate reached; open_run(dir).rate_matches() lists each with the codec's range)")
    for note in outcome.warnings:
        warnings.warn(note, RuntimeWarning, stacklevel=1)
    failed = [r for r in rows if r["status"] != "ok"]
    if show_traceback:
        for row in failed:
            click.echo(f"--- {row['image']} {row['corruption']}/{row['severity']} {row['codec']} q{row['quality']}:\n"
                       f"{row['traceback'] or row['error']}", err=True)
    if failed:
        click.echo(f"{len(failed)} of {outcome.total} rows failed; first error: {failed[0]['error']} "
                   f"(--traceback, or `oodnic errors {outcome.run_dir}`, shows why)", err=True)
        sys.exit(1)


def _base_config(config_path: str | None, preset: str | None) -> RunConfig:
    if preset and config_path:
        raise ConfigError("--preset and --config are exclusive (copy the preset's TOML and edit it instead)")
    if preset:
        config_path = str(PRESETS / f"{preset}.toml")
        if not Path(config_path).is_file():
            raise ConfigError(unknown("preset", preset, [p.stem for p in PRESETS.glob("*.toml")], "presets"))
    return load_toml(config_path) if config_path else RunConfig()


def skip_selected_codecs(config: RunConfig, names: tuple[str, ...]) -> None:
    """Drop codecs by name from the selection (the preset's, the config's, or every available one)."""
    registry = get_registry()
    if config.codecs is None:
        config.codecs = default_codec_choices(registry)
    selected = [c.name for c in config.codecs]
    missing = sorted(set(names) - set(selected))
    if missing:
        raise ConfigError(f"--skip-codec {missing[0]}: not selected ({did_you_mean(missing[0], selected)}"
                          f"selected: {', '.join(selected)})")
    config.codecs = [c for c in config.codecs if c.name not in names]


def apply_qualities(config: RunConfig, qualities: tuple[str, ...]) -> None:
    """``--quality 10,50`` applies to every selected codec; ``--quality jpeg=10,50`` to one.

    The planner parses and checks them with each configured codec (its settings may fix the range);
    ``bpp:0.25,0.5`` in place of qualities sets target rates (rate-matched coding) instead.
    """
    if config.codecs is None:
        config.codecs = default_codec_choices(get_registry())
    for text in qualities:
        name, sep, values = text.rpartition("=")
        targets = [c for c in config.codecs if not sep or c.name == name]
        if sep and not targets:
            raise ConfigError(f"--quality {text}: codec {name!r} is not selected")
        for choice in targets:
            if values.startswith("bpp:"):
                choice.target_bpp = parse_targets(values[4:], f"--quality {text}")
            else:
                choice.quality_option = text


@cli.command()
@click.argument("run_dir", type=click.Path())
@click.option("--traceback", "show_traceback", is_flag=True, help="Print each failed row's full traceback.")
@click.option("--all", "superseded", is_flag=True,
              help="Also list superseded rows (another content of their image, or another codec version, replaced them).")
def errors(run_dir, show_traceback, superseded) -> None:
    """List the failed rows of RUN_DIR, one line each (with --traceback, why in full)."""
    with open_run(run_dir) as results:
        failed = results.rows(status="error", superseded=superseded)
    for row in failed:
        old = " (superseded)" if row.get("superseded_by") else ""
        click.echo(f"{row['image']} {row['corruption']}/{row['severity']} {row['codec']} q{row['quality']}{old}: "
                   f"{row['error']}")
        if show_traceback and row.get("traceback"):
            click.echo(row["traceback"])
    click.echo(f"{len(failed)} failed row(s) in {run_dir}", err=True)


@cli.command()
@click.argument("run_dir", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(), help="Output file (csv, parquet) or folder (json).")
@click.option("--all", "superseded", is_flag=True,
              help="Also export superseded rows (column superseded_by).")
def export(run_dir, fmt, out, superseded) -> None:
    """Export RUN_DIR's results (json = CompressAI's results JSON, one file per codec and input)."""
    paths = export_results(Path(run_dir), fmt, Path(out) if out else None, superseded)
    click.echo(f"wrote {len(paths)} file(s): {paths[0] if len(paths) == 1 else paths[0].parent}")


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option("--into", required=True, type=click.Path(file_okay=False), help="The run folder to merge into.")
def merge(sources, into) -> None:
    """Union the rows and array groups of run folders (e.g. the shards of a grid) into INTO.

    A row or array group two folders hold with other values is refused; running the whole grid into INTO
    afterwards computes only what no folder had.
    """
    rows, groups = merge_runs([Path(s) for s in sources], Path(into))
    click.echo(f"merged {len(sources)} run folder(s) into {into}: {rows} rows and {groups} array groups added")


@cli.command()
@click.option("--dataset", required=True, help="Dataset name or folder.")
@click.option("--dataset-option", "dataset_options", multiple=True, metavar="KEY=VALUE",
              help="Dataset option (repeatable), e.g. geometry=paper.")
@click.option("--out", required=True, type=click.Path(), help="Folder for the corrupted set.")
@click.option("--corruption", "corruptions", multiple=True, help="Corruption (repeatable; default all).")
@click.option("--severity", default="1,2,3,4,5", show_default=True, help="Comma-separated severities.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=int, help="Parallel processes (default: one per CPU core).")
@click.option("--images", type=int, default=0, help="Use only the first N images (0: all).")
def corrupt(dataset, dataset_options, out, corruptions, severity, seed, workers, images) -> None:
    """Write DATASET's corrupted copies as PNGs plus a manifest of SHA-256 hashes (a -C set)."""
    config = RunConfig(dataset=dataset, dataset_options=parse_pairs(dataset_options, "--dataset-option"),
                       corruptions=list(corruptions) or ["all"], severities=parse_int_list(severity, "--severity"),
                       clean=False, seed=seed, images=images).check()
    if workers is not None:
        config.workers = workers
        config.check()
    check_writable(Path(out))
    registry = get_registry()
    source = resolve_dataset(registry, config.dataset, config.dataset_options)
    if source.seed is not None:
        raise ConfigError(f"{config.dataset} is already a corrupted set: corrupt its source dataset instead")
    run_seed = resolve_seed(config, source)
    severities: dict[str, list[int]] = {}
    for variant in select_variants(config, registry, run_seed):
        severities.setdefault(variant.corruption, []).append(variant.severity)
    refs = source.images()[: config.images or None]
    manifest = write_corrupted_set(source, refs, severities, run_seed, Path(out), registry, config.workers,
                                   config.max_pixels)
    click.echo(f"wrote {len(manifest['files'])} files and {Path(out) / 'manifest.json'}")
    if manifest["errors"]:
        click.echo(f"{len(manifest['errors'])} task(s) failed; first: {manifest['errors'][0]}", err=True)
        sys.exit(1)


SUMMARY_GROUPS = (CLEAN, *FREQUENCY_GROUPS)


def codec_label(codec: str, settings: str, variants: set[str]) -> str:
    """A codec's name, plus the settings that differ where it ran with several (as the report labels it)."""
    if len(variants) <= 1:
        return codec
    parsed = [json.loads(s or "{}") for s in sorted(variants)]
    mine = json.loads(settings or "{}")
    differing = sorted(k for k in mine if len({json.dumps(p.get(k), sort_keys=True) for p in parsed}) > 1)
    return codec + ":" + ",".join(f"{k}={mine[k]}" for k in differing)


def summary_table(rows: Iterable[dict[str, Any]]) -> str:
    """Mean PSNR and bpp per codec (name and settings) and input group; linear in rows.

    A cell's PSNR is the mean of its finite values; "lossless" where every measured
    value is infinite; blank where PSNR was not among the run's metrics.
    """
    cells: dict[tuple[str, str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        if row["status"] != "ok":
            continue
        cell = cells[(row["codec"], row["codec_settings"] or "{}", row["frequency"])]
        cell["rows"] += 1
        cell["bpp"] += row["bpp"]
        psnr = row.get("psnr")
        if psnr is not None and math.isfinite(psnr):
            cell["psnr"] += psnr
            cell["psnr_n"] += 1
        elif psnr == math.inf:
            cell["lossless"] += 1
    if not cells:
        return "no successful rows"
    settings: dict[str, set[str]] = defaultdict(set)
    for codec, setting, _ in cells:
        settings[codec].add(setting)
    coders = sorted({(codec, setting) for codec, setting, _ in cells})
    labels = {coder: codec_label(*coder, settings[coder[0]]) for coder in coders}
    groups = [g for g in SUMMARY_GROUPS if any((*coder, g) in cells for coder in coders)]
    width = max(12, *(len(label) for label in labels.values()))
    header = f"{'codec':<{width}}" + "".join(f"{g + ' PSNR/bpp':>22}" for g in groups)
    lines = [header, "-" * len(header)]
    for coder in coders:
        line = f"{labels[coder]:<{width}}"
        for group in groups:
            found = cells.get((*coder, group))
            if found is None:
                line += f"{'-':>22}"
                continue
            if found["psnr_n"]:
                psnr = f"{found['psnr'] / found['psnr_n']:>13.2f} dB"
            else:
                psnr = f"{'lossless' if found['lossless'] else '':>16}"
            line += f"{psnr} {found['bpp'] / found['rows']:>5.3f}"
        lines.append(line)
    lines.append("PSNR against the codec's input (lossless rows left out of the mean); groups: clean input and "
                 "corruption frequency bands (low/medium/high).")
    return "\n".join(lines)


def _add_plugin_commands() -> None:
    registry = get_registry()
    assert registry.plugin_manager is not None
    for impl in registry.plugin_manager.hook.register_commands.get_hookimpls():
        try:
            impl.function(cli)
        except Exception as exc:
            registry.failures[impl.plugin_name] = f"register_commands raised {type(exc).__name__}: {exc}"


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> str:
    return f"oodnic: warning: {message}\n"


SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The command was stopped by ``signum``."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def stop_on_signals() -> None:
    """SIGINT and SIGTERM raise :class:`Interrupted` (also when they were ignored when this process started)."""
    for signum in SIGNALS:
        signal.signal(signum, _raise)


def exit_status(error: BaseException) -> int:
    """128 + the signal's number, as a shell reports a process the signal ended (SIGINT: 130, SIGTERM: 143;
    click's Abort and a plain Ctrl-C count as SIGINT)."""
    return 128 + getattr(error, "signum", signal.SIGINT)


def resume_hint(stop: BaseException, argv: list[str]) -> str:
    """One line: what stopped the command, that finished rows are kept, and the command that resumes it."""
    by = f" by {stop}" if isinstance(stop, Interrupted) else ""
    return f"interrupted{by}: finished rows are saved; to resume, run: {shlex.join(['oodnic', *argv])}"


def main(argv: list[str] | None = None) -> None:
    """Entry point: user mistakes print one line and exit 2; SIGINT and SIGTERM say how to resume; nothing else
    is swallowed."""
    warnings.formatwarning = _one_line_warning  # type: ignore[assignment]
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.")
    stop_on_signals()
    try:
        _add_plugin_commands()
        cli.main(args=argv, prog_name="oodnic", standalone_mode=False)
    except (click.exceptions.Abort, KeyboardInterrupt) as exc:
        stop = exc.__context__ if isinstance(exc.__context__, KeyboardInterrupt) else exc  # click wraps it in Abort
        click.echo(resume_hint(stop, sys.argv[1:] if argv is None else argv), err=True)
        sys.exit(exit_status(stop))
    except click.ClickException as exc:
        click.echo(f"oodnic: error: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except USER_ERRORS as exc:
        click.echo(f"oodnic: error: {' '.join(str(exc).split())}", err=True)
        sys.exit(2)
