"""Materialised corrupted sets (a published Kodak-C): PNGs plus a manifest with SHA-256 of every file.

Layout: ``DIR/clean/<image>.png``, ``DIR/<corruption>/<severity>/<image>.png`` and
``DIR/manifest.json``. The manifest keeps each clean image's original hash, so
seeds and row keys, and hence results, equal those of corrupting on the fly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from functools import partial
from typing import Any

import numpy as np

from .dataset import Dataset, DatasetError, ImageRef
from .corruption import corrupt
from .images import DEFAULT_MAX_PIXELS, decode_image, encode_png, sha256_bytes
from . import __version__
from .config import RunConfig

MANIFEST_NAME = "manifest.json"
FORMAT = "oodnic-corrupted-set/1"


def png_name(name: str) -> str:
    """Where an image of relative name ``name`` is stored (always .png, never outside the set)."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise DatasetError(f"unsafe image name {name!r}")
    return str(path.with_suffix(".png"))


def _write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return sha256_bytes(data)


def _materialise_image(config: RunConfig, variants: list[tuple[str, int]], out: Path, name: str) -> tuple[dict, dict, str | None]:
    """Write one image's clean and corrupted PNGs; returns (image entry, files, error)."""
    from .work import WorkerState, one_line

    state = WorkerState(_spec(config))
    ref = state.refs[name]
    stored = png_name(ref.name)
    try:
        clean = ref.load(config.max_pixels)
    except Exception as exc:
        return {}, {}, f"{ref.name}: {one_line(exc)}"
    files = {f"clean/{stored}": _write(out / "clean" / stored, encode_png(clean))}
    for corruption, severity in variants:
        image = corrupt(state.registry.corruptions[corruption], clean, severity, config.seed, ref.sha256)
        rel = f"{corruption}/{severity}/{stored}"
        files[rel] = _write(out / rel, encode_png(image))
    return {"name": ref.name, "sha256": ref.sha256, "file": stored}, files, None


def _spec(config: RunConfig):
    from .work import RunSpec

    return RunSpec(config.dataset, tuple(sorted(config.dataset_options.items())), (), (), config.seed, "cpu",
                   config.max_pixels)


def materialise_dataset(config: RunConfig, out: Path, workers: int = 1) -> dict[str, Any]:
    """Write the corrupted set of ``config`` (dataset, corruptions, severities, seed) and its manifest."""
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    from .plugins import get_registry
    from .runner import select_variants
    from .work import resolve_dataset

    registry = get_registry()
    variants = select_variants(config, registry)
    dataset = resolve_dataset(registry, config.dataset, config.dataset_options)
    names = [ref.name for ref in dataset.images()][: config.images or None]
    for name in names:
        png_name(name)
    task = partial(_materialise_image, config, variants, out)
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            outcomes = list(pool.map(task, names))
    else:
        outcomes = [task(name) for name in names]
    versions = {"oodnic-platform": __version__}
    for name in sorted({c for c, _ in variants}):
        plugin = registry.owners.get(f"corruption {name}", "")
        info = next((p for p in registry.plugins if p.name == plugin), None)
        versions[f"corruption {name}"] = registry.corruptions[name].version()
        if info is not None and info.distribution:
            versions[info.distribution] = info.version
    manifest = {
        "format": FORMAT,
        "dataset": dataset.name,
        "seed": config.seed,
        "versions": dict(sorted(versions.items())),
        "corruptions": sorted({c for c, _ in variants}),
        "severities": sorted({s for _, s in variants}),
        "images": [entry for entry, _, error in outcomes if error is None],
        "errors": [error for _, _, error in outcomes if error is not None],
        "files": dict(sorted((k, v) for _, files, _ in outcomes for k, v in files.items())),
    }
    _write(out / MANIFEST_NAME, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    return manifest


class MaterialisedDataset(Dataset):
    """A set written by ``oodnic corrupt``: clean images plus stored corrupted copies, hash-checked on read."""

    def __init__(self, path: str | Path):
        self.root = Path(path)
        try:
            self.manifest = json.loads((self.root / MANIFEST_NAME).read_text())
        except (OSError, ValueError) as exc:
            raise DatasetError(f"{self.root}: unreadable {MANIFEST_NAME}: {exc}") from None
        if self.manifest.get("format") != FORMAT:
            raise DatasetError(f"{self.root}: {MANIFEST_NAME} is not an {FORMAT} manifest")
        self.name = self.manifest["dataset"]
        self.seed = self.manifest["seed"]
        self._files = {entry["name"]: entry["file"] for entry in self.manifest["images"]}

    def _read(self, rel: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
        expected = self.manifest["files"].get(rel)
        path = self.root / rel
        data = path.read_bytes()
        if expected is None or sha256_bytes(data) != expected:
            raise DatasetError(f"{path}: SHA-256 differs from the manifest")
        return decode_image(data, max_pixels)

    def images(self) -> list[ImageRef]:
        return [
            ImageRef(name=e["name"], sha256=e["sha256"],
                     loader=lambda max_pixels, rel=f"clean/{e['file']}": self._read(rel, max_pixels))
            for e in self.manifest["images"]
        ]

    def precorrupted(self, ref: ImageRef, corruption: str, severity: int) -> np.ndarray | None:
        rel = f"{corruption}/{severity}/{self._files[ref.name]}"
        if rel not in self.manifest["files"]:
            return None
        return self._read(rel)
