"""The ``oodnic`` command line."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click

from . import __version__
from .config import ConfigError, RunConfig, load_toml, parse_codec_option, parse_int_list
from .dataset import DatasetError
from .images import ImageError
from .plugins import get_registry

USER_ERRORS = (ConfigError, DatasetError, ImageError, FileNotFoundError)
PRESETS = Path(__file__).parent / "presets"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="oodnic")
def cli() -> None:
    """Benchmark image codecs, classic and neural, on clean and corrupted images."""


@cli.command()
def plugins() -> None:
    """List installed plugins, what they register, and any that failed to load."""
    registry = get_registry()
    for info in registry.plugins:
        owned = sorted(thing for thing, owner in registry.owners.items() if owner == info.name)
        version = f" {info.distribution} {info.version}" if info.distribution else ""
        click.echo(f"{info.name}{version}")
        for thing in owned:
            kind, _, name = thing.partition(" ")
            line = f"  {kind:<10} {name}"
            if kind == "codec":
                reason = registry.codecs[name].unavailable_reason()
                line += f"  (unavailable: {reason})" if reason else ""
            click.echo(line)
    for name, reason in sorted(registry.failures.items()):
        click.echo(f"{name}  FAILED: {reason}")


@cli.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="TOML file with the run's settings.")
@click.option("--preset", help="A bundled grid, e.g. paper-kodak-c (a TOML file you can copy: see --preset list).")
@click.option("--dataset", help="sample | kodak | clic2020 | a folder of images | a materialised -C set.")
@click.option("--run-dir", help="Where results.sqlite and arrays go (default runs/<dataset>).")
@click.option("--codec", "codecs", multiple=True, help="NAME or NAME:key=value,... (repeatable; default: every installed codec).")
@click.option("--quality", "qualities", multiple=True, help="q1,q2,... for all codecs, or NAME=q1,q2 (repeatable).")
@click.option("--corruption", "corruptions", multiple=True, help="Corruption name (repeatable), 'all' or 'none'.")
@click.option("--severity", help="Comma-separated severities (default 3).")
@click.option("--no-clean", is_flag=True, help="Skip the clean (uncorrupted) input.")
@click.option("--metric", "metrics", multiple=True, help="Metric name (repeatable; default: all installed).")
@click.option("--images", type=int, help="Use only the first N images.")
@click.option("--seed", type=int, help="Run seed (default 0); corruption seeds derive from it.")
@click.option("--device", help="auto | cpu | cuda | cuda:N (default auto).")
@click.option("--workers", type=int, help="Parallel worker processes (default: one per CPU core, at most 8).")
@click.option("--executor", help="local (default) or an installed executor such as dask.")
@click.option("--scheduler", help="Address of an existing scheduler (executors that use one, e.g. dask).")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def run(config_path, preset, dataset, run_dir, codecs, qualities, corruptions, severity, no_clean, metrics, images, seed,
        device, workers, executor, scheduler, no_progress) -> None:
    """Run (or resume) the benchmark grid; finished rows are skipped."""
    from .runner import run as run_grid
    from .summary import summary_table

    if preset == "list":
        for path in sorted(PRESETS.glob("*.toml")):
            click.echo(f"{path.stem}  {path}")
        return
    if preset and config_path:
        raise ConfigError("--preset and --config are exclusive (copy the preset's TOML and edit it instead)")
    if preset:
        config_path = PRESETS / f"{preset}.toml"
        if not config_path.is_file():
            raise ConfigError(f"unknown preset {preset!r} (presets: {', '.join(p.stem for p in sorted(PRESETS.glob('*.toml')))})")
    config = load_toml(config_path) if config_path else RunConfig()
    apply_options(config, dataset=dataset, run_dir=run_dir, seed=seed, device=device, workers=workers,
                  executor=executor, images=images)
    if codecs:
        config.codecs = [parse_codec_option(c) for c in codecs]
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
    if scheduler:
        config.executor_options["scheduler"] = scheduler
    outcome = run_grid(config, progress=not no_progress)
    rows = [r for r in outcome.store.rows() if r["key"] in set(outcome.keys)]
    click.echo(summary_table(rows))
    click.echo(f"{outcome.total} rows ({outcome.skipped} already done) in {outcome.run_dir / 'results.sqlite'}")
    if outcome.failed:
        errors = sorted({r['error'] for r in rows if r["status"] != "ok"})
        click.echo(f"{outcome.failed} of {outcome.total} rows failed; first error: {errors[0]}", err=True)
        sys.exit(1)


def apply_options(config: RunConfig, **options) -> None:
    for name, value in options.items():
        if value is not None:
            setattr(config, name, value)


def apply_qualities(config: RunConfig, qualities: tuple[str, ...]) -> None:
    """``--quality 10,50`` applies to every selected codec; ``--quality jpeg=10,50`` to one."""
    registry = get_registry()
    if config.codecs is None:
        from .config import CodecChoice

        config.codecs = [CodecChoice(n) for n, c in sorted(registry.codecs.items()) if c.unavailable_reason() is None]
    for text in qualities:
        name, sep, values = text.rpartition("=")
        targets = [c for c in config.codecs if not sep or c.name == name]
        if sep and not targets:
            raise ConfigError(f"--quality {text}: codec {name!r} is not selected")
        for choice in targets:
            codec = registry.codecs.get(choice.name)
            if codec is None:
                raise ConfigError(f"unknown codec {choice.name!r}")
            try:
                choice.qualities = [codec.parse_quality(v) for v in values.split(",") if v.strip()]
            except ValueError:
                raise ConfigError(f"--quality {text}: not a quality for {choice.name}: {values!r}") from None


@cli.command()
@click.argument("run_dir", type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(), help="Output file (csv, parquet) or folder (json).")
def export(run_dir, fmt, out) -> None:
    """Export RUN_DIR's results (json = CompressAI's results JSON, one file per codec and input)."""
    from .export import export as export_results

    if not (Path(run_dir) / "results.sqlite").is_file():
        raise ConfigError(f"no results.sqlite in {run_dir}")
    try:
        paths = export_results(Path(run_dir), fmt, Path(out) if out else None)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    click.echo(f"wrote {len(paths)} file(s): {paths[0] if len(paths) == 1 else paths[0].parent}")


@cli.command()
@click.option("--dataset", required=True, help="Dataset name or folder.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the corrupted set.")
@click.option("--corruption", "corruptions", multiple=True, help="Corruption (repeatable; default all).")
@click.option("--severity", default="1,2,3,4,5", show_default=True, help="Comma-separated severities.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=int, default=1, show_default=True, help="Parallel processes (one per image).")
@click.option("--images", type=int, help="Use only the first N images.")
def corrupt(dataset, out, corruptions, severity, seed, workers, images) -> None:
    """Write DATASET's corrupted copies as PNGs plus a manifest of SHA-256 hashes (a -C set)."""
    from .materialise import materialise_dataset

    config = RunConfig(dataset=dataset, corruptions=list(corruptions) or ["all"],
                       severities=parse_int_list(severity, "--severity"), clean=False, seed=seed, images=images or 0)
    manifest = materialise_dataset(config, Path(out), workers)
    click.echo(f"wrote {len(manifest['files'])} files and {Path(out) / 'manifest.json'}")
    if manifest["errors"]:
        click.echo(f"{len(manifest['errors'])} image(s) failed; first: {manifest['errors'][0]}", err=True)
        sys.exit(1)


def _add_plugin_commands() -> None:
    registry = get_registry()
    for impl in registry.plugin_manager.hook.register_commands.get_hookimpls():
        try:
            impl.function(cli)
        except Exception as exc:
            registry.failures[impl.plugin_name] = f"register_commands raised {type(exc).__name__}: {exc}"


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> str:
    return f"oodnic: warning: {message}\n"


def main(argv: list[str] | None = None) -> None:
    """Entry point: user mistakes print one line and exit 2; nothing else is swallowed."""
    warnings.formatwarning = _one_line_warning
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.")
    try:
        _add_plugin_commands()
        cli.main(args=argv, prog_name="oodnic", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except USER_ERRORS as exc:
        click.echo(f"oodnic: error: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("interrupted: finished rows are saved; run the same command again to resume", err=True)
        sys.exit(130)
