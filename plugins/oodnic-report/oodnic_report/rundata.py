"""Read-only access to a run directory: result rows, finalized arrays and run configurations."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

CLEAN = ("clean", 0)


class ReportError(ValueError):
    """The run directory cannot be reported on at all (no store, no rows): one line."""


@dataclass(frozen=True)
class ArrayGroup:
    """One finalized array file of an accumulating metric, with the group it summarises."""

    metric: str
    meta: dict[str, Any]
    path: Path

    @property
    def variant(self) -> tuple[str, int]:
        return str(self.meta.get("corruption", "clean")), int(self.meta.get("severity", 0) or 0)

    def keys(self) -> list[str]:
        with np.load(self.path, allow_pickle=False) as data:
            return [key for key in data.files if key != "metadata"]

    def load(self, keys: list[str] | None = None) -> dict[str, np.ndarray]:
        """The named arrays (all but ``metadata`` by default); missing names are left out."""
        with np.load(self.path, allow_pickle=False) as data:
            names = [k for k in data.files if k != "metadata"]
            wanted = names if keys is None else [k for k in keys if k in names]
            return {key: data[key] for key in wanted}


@dataclass
class RunData:
    """Everything the report uses from one run directory."""

    run_dir: Path
    rows: list[dict[str, Any]]
    error_rows: list[dict[str, Any]]
    arrays: list[ArrayGroup]
    missing_arrays: list[str] = field(default_factory=list)
    configs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def images(self) -> list[str]:
        return sorted({r["image"] for r in self.rows})

    @property
    def datasets(self) -> list[str]:
        return sorted({str(r["dataset"]) for r in self.rows})


def connect_read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def _table_names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def load_run(run_dir: str | Path) -> RunData:
    """Rows (split into ok and error), the arrays table and run configs of ``run_dir``."""
    run_dir = Path(run_dir)
    path = run_dir / "results.sqlite"
    if not path.is_file():
        raise ReportError(f"no results.sqlite in {run_dir}")
    conn = connect_read_only(path)
    try:
        tables = _table_names(conn)
        if "results" not in tables:
            raise ReportError(f"{path} has no results table")
        order = " ORDER BY dataset, image, corruption, severity, codec, codec_settings, quality, key"
        rows = [dict(r) for r in conn.execute("SELECT * FROM results" + order)]
        arrays, missing = [], []
        if "arrays" in tables:
            for r in conn.execute("SELECT metric, meta, path FROM arrays ORDER BY metric, group_id"):
                file = run_dir / r["path"]
                if file.is_file():
                    arrays.append(ArrayGroup(r["metric"], json.loads(r["meta"]), file))
                else:
                    missing.append(r["path"])
        configs = []
        if "runs" in tables:
            configs = [json.loads(r[0]) for r in conn.execute("SELECT config FROM runs ORDER BY started")]
    finally:
        conn.close()
    ok = [r for r in rows if r.get("status") == "ok"]
    if not rows:
        raise ReportError(f"{path} has no result rows: run `oodnic run` first")
    return RunData(run_dir, ok, [r for r in rows if r.get("status") != "ok"], arrays, missing, configs)
