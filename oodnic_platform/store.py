"""The results store: ``RUN_DIR/results.sqlite``.

Tables:

- ``results``: one row per (image, input variant, codec, quality), keyed by a
  content address; metric columns are added as metrics appear.
- ``contributions``: running sums of accumulating metrics per group, merged in
  the same transaction as the rows they came from, so a resumed run counts
  every image exactly once.
- ``arrays``: the finalized arrays saved under ``RUN_DIR/arrays/``.
- ``runs``: the configuration of each invocation.

The driver is the only writer. Every chunk commits atomically, so a run killed
at any moment leaves only whole rows.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .metric import Arrays, add_arrays

FIXED_COLUMNS: dict[str, str] = {
    "key": "TEXT PRIMARY KEY",
    "dataset": "TEXT",
    "image": "TEXT",
    "image_sha256": "TEXT",
    "corruption": "TEXT",
    "severity": "INTEGER",
    "frequency": "TEXT",
    "corruption_version": "TEXT",
    "seed": "INTEGER",
    "codec": "TEXT",
    "codec_version": "TEXT",
    "codec_settings": "TEXT",
    "plugin": "TEXT",
    "quality": "NUMERIC",
    "status": "TEXT",
    "error": "TEXT",
    "num_bytes": "INTEGER",
    "bpp": "REAL",
    "psnr": "REAL",
    "ms_ssim": "REAL",
    "psnr_wrt_clean": "REAL",
    "encode_s": "REAL",
    "decode_s": "REAL",
}
#: Columns that differ between identical runs (wall-clock timings).
TIMING_COLUMNS = ("encode_s", "decode_s")
_COLUMN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def pack_arrays(arrays: Arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unpack_arrays(blob: bytes) -> Arrays:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


class ResultStore:
    """SQLite results of one run directory."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, timeout=60)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        with self.conn:
            columns = ", ".join(f'"{name}" {kind}' for name, kind in FIXED_COLUMNS.items())
            self.conn.execute(f"CREATE TABLE IF NOT EXISTS results ({columns})")
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS contributions (group_id TEXT, metric TEXT, meta TEXT, data BLOB,"
                " PRIMARY KEY (group_id, metric))"
            )
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS arrays (group_id TEXT, metric TEXT, meta TEXT, path TEXT,"
                " PRIMARY KEY (group_id, metric))"
            )
            self.conn.execute("CREATE TABLE IF NOT EXISTS runs (started REAL, config TEXT)")
        self._columns = self.columns()

    def close(self) -> None:
        self.conn.close()

    def columns(self) -> list[str]:
        return [r["name"] for r in self.conn.execute("PRAGMA table_info(results)")]

    def record_run(self, config: dict[str, Any]) -> None:
        with self.conn:
            self.conn.execute("INSERT INTO runs VALUES (?, ?)", (time.time(), json.dumps(config, default=str)))

    def finished_keys(self) -> set[str]:
        """Keys of rows that need no rerun (status ``ok``; error rows are retried)."""
        return {r[0] for r in self.conn.execute("SELECT key FROM results WHERE status = 'ok'")}

    def _ensure_columns(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            for name, value in row.items():
                if name in self._columns:
                    continue
                if not _COLUMN_RE.match(name):
                    raise ValueError(f"invalid result column name {name!r}")
                kind = "TEXT" if isinstance(value, str) else "REAL"
                self.conn.execute(f'ALTER TABLE results ADD COLUMN "{name}" {kind}')
                self._columns.append(name)

    def commit_chunk(self, rows: list[dict[str, Any]], contributions: dict[str, tuple[dict, dict[str, Arrays]]]) -> None:
        """Write a chunk's rows and merge its contributions in one transaction."""
        with self.conn:
            self._ensure_columns(rows)
            for row in rows:
                names = list(row)
                quoted = ", ".join(f'"{n}"' for n in names)
                marks = ", ".join("?" for _ in names)
                updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n != "key")
                self.conn.execute(
                    f"INSERT INTO results ({quoted}) VALUES ({marks}) ON CONFLICT(key) DO UPDATE SET {updates}"
                    " WHERE results.status != 'ok'",
                    [row[n] for n in names],
                )
            for gid, (meta, sums) in contributions.items():
                for metric, part in sums.items():
                    old = self.conn.execute(
                        "SELECT data FROM contributions WHERE group_id = ? AND metric = ?", (gid, metric)
                    ).fetchone()
                    total = add_arrays(unpack_arrays(old[0]) if old else None, part)
                    self.conn.execute(
                        "INSERT OR REPLACE INTO contributions VALUES (?, ?, ?, ?)",
                        (gid, metric, json.dumps(meta, default=str), pack_arrays(total)),
                    )

    def contributions(self) -> list[tuple[str, str, dict[str, Any], Arrays]]:
        rows = self.conn.execute("SELECT group_id, metric, meta, data FROM contributions ORDER BY group_id, metric")
        return [(r[0], r[1], json.loads(r[2]), unpack_arrays(r[3])) for r in rows]

    def record_array(self, group_id: str, metric: str, meta: dict[str, Any], path: str) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT OR REPLACE INTO arrays VALUES (?, ?, ?, ?)", (group_id, metric, json.dumps(meta), path)
            )

    def rows(self, where: str = "", params: tuple = ()) -> list[dict[str, Any]]:
        query = "SELECT * FROM results" + (f" WHERE {where}" if where else "") + " ORDER BY dataset, image, corruption, severity, codec, quality, key"
        return [dict(r) for r in self.conn.execute(query, params)]
