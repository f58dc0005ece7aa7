"""Export the results table: CSV, Parquet, or CompressAI's results JSON."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from .store import ResultStore

#: Our column -> CompressAI's results key (what compressai.utils.plot reads).
COMPRESSAI_KEYS = {"bpp": "bpp", "psnr": "psnr-rgb", "ms_ssim": "ms-ssim-rgb", "psnr_wrt_clean": "psnr-rgb-wrt-clean",
                   "encode_s": "encoding_time", "decode_s": "decoding_time"}


def export(run_dir: Path, fmt: str, out: Path | None = None) -> list[Path]:
    store = ResultStore(run_dir / "results.sqlite")
    try:
        rows = store.rows()
        columns = store.columns()
    finally:
        store.close()
    if fmt == "csv":
        path = out or run_dir / "results.csv"
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        return [path]
    if fmt == "parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise ValueError("parquet export needs pyarrow: pip install 'oodnic-platform[parquet]'") from None
        path = out or run_dir / "results.parquet"
        table = pa.Table.from_pylist(rows, schema=None) if rows else pa.table({c: [] for c in columns})
        pq.write_table(table, path)
        return [path]
    if fmt == "json":
        return write_compressai_json(rows, out or run_dir / "compressai-json")
    raise ValueError(f"unknown export format {fmt!r} (csv, parquet, json)")


def compressai_results(rows: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """Mean of each metric over images, per (codec, settings, corruption, severity), one value per quality."""
    groups: dict[tuple, dict[Any, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["status"] == "ok":
            groups[(row["codec"], row["codec_settings"], row["corruption"], row["severity"])][row["quality"]].append(row)
    documents = {}
    for (codec, settings, corruption, severity), by_quality in sorted(groups.items()):
        qualities = sorted(by_quality)
        results: dict[str, list[float]] = {"quality": qualities}
        for column, key in COMPRESSAI_KEYS.items():
            results[key] = [float(np.mean([r[column] for r in by_quality[q] if r.get(column) is not None]))
                            for q in qualities]
        variant = "clean" if corruption == "clean" else f"{corruption} severity {severity}"
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
        path.write_text(json.dumps(document, indent=2) + "\n")
        paths.append(path)
    return paths
