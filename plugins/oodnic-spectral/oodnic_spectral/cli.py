"""``oodnic fourier-heatmap``: Fourier heat maps of one codec at one or more qualities."""

from __future__ import annotations

import os
from pathlib import Path

import click


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        settings[key.strip()] = value.strip()
    return settings


def resolve_dataset(name: str, registry):
    """A registered dataset by name, else a folder of images."""
    from oodnic_platform import FolderDataset

    if name in registry.datasets:
        return registry.datasets[name]()
    if Path(name).is_dir():
        return FolderDataset(name)
    raise click.BadParameter(
        f"{name!r} is neither a dataset ({', '.join(sorted(registry.datasets))}) nor a folder", param_hint="--dataset"
    )


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@click.command("fourier-heatmap")
@click.option("--codec", "codec_name", required=True, help="registered codec name")
@click.option("--quality", "qualities", multiple=True, required=True, help="quality (repeat for several)")
@click.option("--set", "setting_pairs", multiple=True, metavar="KEY=VALUE", help="codec setting (repeatable)")
@click.option("--dataset", default="kodak", show_default=True, help="registered dataset or folder of images")
@click.option("--images", "num_images", type=click.IntRange(min=1), default=None, help="first N images [all]")
@click.option("--grid", type=int, default=63, show_default=True, help="odd K of the K x K map")
@click.option("--crop", type=click.IntRange(min=2), default=512, show_default=True, help="square centre crop side")
@click.option("--eps", type=click.FloatRange(min=0, min_open=True), default=4.0, show_default=True, help="perturbation L2 norm, [0, 1] pixel units")
@click.option("--seed", type=int, default=0, show_default=True, help="seed of the per-channel signs")
@click.option("--batch", type=click.IntRange(min=1), default=16, show_default=True,
              help="perturbed images per codec call (at least one basis x all images)")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="processes for codecs not run on a device [the available CPUs]")
@click.option("--device", default="auto", show_default=True,
              help="device of codecs with resource gpu (auto, cpu, cuda, cuda:N); auto = cuda when torch sees one")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="output folder")
def fourier_heatmap(codec_name, qualities, setting_pairs, dataset, num_images, grid, crop, eps, seed, batch, workers,
                    device, out_dir):
    """Fourier heat map: codec PSNR under each low-frequency Fourier-basis perturbation.

    As in Yin et al. 2019 and Lieberman et al. 2023: each clean centre crop is
    perturbed by eps times a unit-norm 2-D cosine with a random sign per
    channel, coded, and compared with the perturbed input and the clean crop.
    Codecs that accept float input get the perturbed crop unrounded.

    Writes OUT/fourier_heatmap_<codec>_q<quality>_k<grid>_<key>.npz, adds each
    map to OUT's array groups (metric fourier_heatmap: give a run folder as OUT
    and `oodnic report` shows them) and keeps a per-basis table in
    OUT/fourier_heatmap.sqlite; rerunning skips bases already measured.
    """
    from tqdm import tqdm

    from oodnic_platform import check_output_dir, device_for, get_registry

    from .fourier import half_plane_frequencies
    from .heatmap import HeatmapSettings, in_process, load_crops, run_heatmap

    registry = get_registry()
    if codec_name not in registry.codecs:
        raise click.BadParameter(f"unknown codec {codec_name!r} ({', '.join(sorted(registry.codecs))})",
                                 param_hint="--codec")
    try:
        codec = registry.codecs[codec_name].configure(**parse_settings(setting_pairs))
        half_plane_frequencies(grid)
        parsed = [codec.parse_quality(text) for text in qualities]
        for quality in parsed:
            getattr(codec, "check_quality", lambda q: None)(quality)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    where = device_for(codec.resource, device)
    check_output_dir(out_dir)
    reason = codec.unavailable_reason()
    if reason:
        raise click.ClickException(f"codec {codec_name} is unavailable: {reason}")
    data = resolve_dataset(dataset, registry)
    refs = data.images()[:num_images]
    settings = HeatmapSettings(grid=grid, crop=crop, eps=eps, seed=seed, batch=batch,
                               workers=workers or available_cpus())
    try:
        crops = load_crops(refs, crop)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--crop") from None
    if in_process(codec, settings):
        codec.load(where)
    total = len(half_plane_frequencies(grid))
    for quality in parsed:
        with tqdm(total=total, desc=f"{codec_name} q={quality}", unit="basis") as bar:
            path = run_heatmap(codec, quality, data.name, crops, settings, out_dir, progress=bar.update)
        click.echo(f"wrote {path}")
