"""Export a run's results: CSV, Parquet, or CompressAI's results JSON (read through the public results API)."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from .corruption import CLEAN, is_clean
from .errors import ConfigError
from .results import open_run
from .files import writable_folder

FORMATS = ("csv", "parquet", "json")
#: Our column -> CompressAI's results key (what compressai.utils.plot reads).
COMPRESSAI_KEYS = {"bpp": "bpp", "psnr": "psnr-rgb", "ms_ssim": "ms-ssim-rgb", "psnr_wrt_clean": "psnr-rgb-wrt-clean",
                   "encode_s": "encoding_time", "decode_s": "decoding_time"}


def check_target(path: Path, folder: bool, given: bool = True) -> None:
    """A one-line :class:`ConfigError` unless ``path`` can be written (a file, or a folder for ``json``);
    ``given``: the user named it with ``--out`` (else it is the default, inside the run folder)."""
    what = f"--out {path}" if given else f"default output {path} (give --out elsewhere)"
    if folder:
        if path.exists() and not path.is_dir():
            raise ConfigError(f"{what}: a file is in the way (json export writes a folder)")
        parent = path if path.exists() else path.parent
    else:
        if path.is_dir():
            raise ConfigError(f"{what} is a folder: give a file name")
        parent = path.parent
    if not parent.is_dir():
        raise ConfigError(f"{what}: folder {parent} does not exist")
    if not writable_folder(parent) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"{what}: not writable")


def export(run_dir: Path, fmt: str, out: Path | None = None, superseded: bool = False) -> list[Path]:
    """Write the run's current rows (and superseded ones with ``superseded``) as ``fmt``; the files written."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r} ({', '.join(FORMATS)})")
    target = out or run_dir / {"csv": "results.csv", "parquet": "results.parquet", "json": "compressai-json"}[fmt]
    with open_run(run_dir) as run:
        check_target(target, folder=fmt == "json", given=out is not None)
        rows, columns = run.rows(status=None, superseded=superseded), run.columns()
    if fmt == "csv":
        with open(target, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        return [target]
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ConfigError("parquet export needs pyarrow: pip install 'oodnic-platform[parquet]'") from None
        table = pa.Table.from_pylist(rows) if rows else pa.table({c: [] for c in columns})
        pq.write_table(table, target)
        return [target]
    return write_compressai_json([r for r in rows if r["status"] == "ok"], target)


def _mean(values: list[float]) -> float | None:
    """Mean over images; ``None`` (JSON null) where it is not a finite number (lossless PSNR, NaN MS-SSIM)."""
    if not values:
        return None
    mean = sum(values) / len(values)
    return mean if math.isfinite(mean) else None


def compressai_results(rows: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """Mean of each metric over images, per (codec, settings, corruption, severity), one value per quality.

    A quality where any image was coded losslessly (PSNR infinite) gets ``null``
    PSNR and ``true`` in the ``lossless`` list.
    """
    groups: dict[tuple, dict[Any, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        groups[(row["codec"], row["codec_settings"], row["corruption"], row["severity"])][row["quality"]].append(row)
    documents = {}
    for (codec, settings, corruption, severity), by_quality in sorted(groups.items()):
        qualities = sorted(by_quality)
        results: dict[str, list[Any]] = {"quality": qualities}
        for column, key in COMPRESSAI_KEYS.items():
            results[key] = [_mean([r[column] for r in by_quality[q] if r.get(column) is not None]) for q in qualities]
        results["lossless"] = [any(r.get("psnr") == math.inf for r in by_quality[q]) for q in qualities]
        variant = CLEAN if is_clean(corruption) else f"{corruption} severity {severity}"
        images = len({r["image"] for rs in by_quality.values() for r in rs})
        documents[(codec, settings, corruption, severity)] = {
            "name": codec,
            "description": f"{codec} {settings} on {variant} ({images} images, means over images)",
            "results": results,
        }
    return documents


def write_compressai_json(rows: list[dict[str, Any]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    documents = compressai_results(rows)
    variants: dict[str, set[str]] = defaultdict(set)
    for codec, settings, _, _ in documents:
        variants[codec].add(settings)
    for (codec, settings, corruption, severity), document in documents.items():
        # settings go into the file name only where one codec ran with several
        suffix = "" if len(variants[codec]) == 1 else "-" + hashlib.sha256(settings.encode()).hexdigest()[:8]
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{codec}{suffix}-{corruption}-{severity}")
        path = folder / f"{stem}.json"
        path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n")
        paths.append(path)
    return paths
