"""The public results API: read a run folder (and add array groups to it) without touching its tables.

Reports, exports and third-party analysis plugins use this module, never the
SQLite file directly::

    from oodnic_platform.results import open_run

    run = open_run("runs/kodak")
    for row in run.rows(codec="jpeg", corruption="clean"):
        print(row["image"], row["quality"], row["bpp"], row["psnr"])
    for group in run.arrays("spectral_paper"):
        arrays = group.load()            # name -> numpy array, as the metric's finalize() returned them
        print(group.meta["codec"], group.meta["severity"], group.metadata()["units"])

Rows are dicts with the columns of :data:`FIXED_COLUMNS` plus one
column per metric (named by :func:`oodnic_platform.contract.result_column`).
This module reads stores of schema version :data:`SCHEMA_VERSION`; another
version is refused with one line.
"""

from __future__ import annotations

import json
import os
import sqlite3
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .corruption import CLEAN, is_clean
from .identity import digest
from .files import writable_folder
from .store import (FIXED_COLUMNS, SAMPLES, SCHEMA_VERSION, STORE_NAME, TIMING_COLUMNS, ResultStore,
                    old_schema_message, schema_version_of)

__all__ = ["ArrayGroup", "ArrayWriter", "CLEAN", "FIXED_COLUMNS", "RateMatch", "Run", "RunError", "SCHEMA_VERSION",
           "SampleCrop", "TIMING_COLUMNS", "is_clean", "open_run", "save_arrays"]
_ORDER = " ORDER BY dataset, image, corruption, severity, codec, codec_settings, quality, key"


class RunError(ValueError):
    """A run folder that cannot be read at all (missing, not a run, another schema): one line."""


@dataclass(frozen=True)
class ArrayGroup:
    """The finalized arrays of one accumulating metric over one group of rows (or one added array group)."""

    group_id: str
    metric: str
    #: what the group is: dataset, codec, codec_settings, quality, corruption, severity, metric settings...
    meta: dict[str, Any]
    path: Path
    #: how many rows the arrays sum over, and whether every planned row of the group was in
    rows: int
    complete: bool

    @property
    def variant(self) -> tuple[str, int]:
        return str(self.meta.get("corruption", CLEAN)), int(self.meta.get("severity", 0) or 0)

    def keys(self) -> list[str]:
        with np.load(self.path, allow_pickle=False) as data:
            return [key for key in data.files if key != "metadata"]

    def load(self, keys: list[str] | None = None) -> dict[str, np.ndarray]:
        """The named arrays (all by default); names the file lacks are left out."""
        with np.load(self.path, allow_pickle=False) as data:
            names = [k for k in data.files if k != "metadata"]
            return {key: data[key] for key in (names if keys is None else [k for k in keys if k in names])}

    def metadata(self) -> dict[str, Any]:
        """The metric's own description of the arrays (units, layout, settings), stored inside the file."""
        return self.load_with_metadata([])[1]

    def load_with_metadata(self, keys: list[str] | None = None) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """:meth:`load` and :meth:`metadata` with the file opened once."""
        with np.load(self.path, allow_pickle=False) as data:
            names = [k for k in data.files if k != "metadata"]
            arrays = {key: data[key] for key in (names if keys is None else [k for k in keys if k in names])}
            return arrays, json.loads(str(data["metadata"])) if "metadata" in data.files else {}


@dataclass(frozen=True)
class SampleCrop:
    """A 256 x 256 centre crop of the run's sample image: an input (``key`` empty) or a row's reconstruction."""

    path: Path
    corruption: str
    severity: int
    key: str


@dataclass(frozen=True)
class RateMatch:
    """Where a rate search ended for one (image, input, codec, target bpp).

    ``row_key`` is the chosen row (a probe, like every row the search coded);
    ``met``: its bpp is within the run's tolerance of the target (else it is
    the probe nearest the target in log bpp); ``probes``: the qualities this
    target's search asked for (a probe another target of the input asked for
    first is coded once, counted by both); ``reachable``: the lowest
    and highest bpp of the codec's probes on that input (an unreachable target
    codes the range's far end once, so both ends are known).
    """

    row_key: str
    codec: str
    codec_settings: str
    image: str
    corruption: str
    severity: int
    target_bpp: float
    quality: float
    bpp: float
    met: bool
    probes: int
    reachable: tuple[float, float]


class Run:
    """A run folder opened read-only."""

    def __init__(self, run_dir: Path, conn: sqlite3.Connection):
        self.path = run_dir
        self._conn = conn

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def columns(self) -> list[str]:
        return [r[1] for r in self._conn.execute("PRAGMA table_info(results)")]

    def iter_rows(self, status: str | None = "ok", superseded: bool = False, **equals: Any) -> Iterator[dict[str, Any]]:
        """Rows in a stable order; ``status`` ``ok`` (default), ``error`` or ``None`` (all); ``column=value`` filters.

        Only current rows unless ``superseded``: a row replaced by a row of the same case with another content
        of its image file (a repaired file, run again) or another version or fingerprint of its codec (retrained
        weights, a rebuilt binary) has ``superseded_by`` set to the key of the row that replaced it.
        """
        columns = set(self.columns())
        clauses, params = [], []
        if not superseded and "superseded_by" in columns:
            clauses.append("superseded_by IS NULL")
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        for column, value in equals.items():
            if column not in columns:
                raise RunError(f"no column {column!r} in {self.path / STORE_NAME}")
            clauses.append(f'"{column}" = ?')
            params.append(value)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        for row in self._conn.execute(f"SELECT * FROM results{where}{_ORDER}", params):
            yield dict(row)

    def rows(self, status: str | None = "ok", superseded: bool = False, **equals: Any) -> list[dict[str, Any]]:
        return list(self.iter_rows(status, superseded, **equals))

    def count(self, status: str | None = None) -> int:
        """Current rows (of one ``status``)."""
        clauses = ["superseded_by IS NULL"] if "superseded_by" in self.columns() else ["1"]
        if status is not None:
            clauses.append("status = ?")
        query = f"SELECT COUNT(*) FROM results WHERE {' AND '.join(clauses)}"
        return self._conn.execute(query, () if status is None else (status,)).fetchone()[0]

    def rate_matches(self, **equals: Any) -> Iterator[RateMatch]:
        """The rate matches (``field=value`` filters on :class:`RateMatch` fields), in a stable order."""
        fields = set(RateMatch.__dataclass_fields__) - {"reachable"}
        unknown = sorted(set(equals) - fields)
        if unknown:
            raise RunError(f"no rate-match field {unknown[0]!r} (fields: {', '.join(sorted(fields))})")
        if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'rate_matches'").fetchone():
            return
        where = " AND ".join(f'"{name}" = ?' for name in equals)
        query = ("SELECT row_key, codec, codec_settings, image, corruption, severity, target_bpp, quality, bpp, met,"
                 f" probes, reach_low, reach_high FROM rate_matches{' WHERE ' + where if where else ''} ORDER BY"
                 " image, corruption, severity, codec, codec_settings, target_bpp")
        params = [int(v) if isinstance(v, bool) else v for v in equals.values()]
        for row in self._conn.execute(query, params):
            yield RateMatch(row[0], row[1], row[2], row[3], row[4], int(row[5]), float(row[6]), float(row[7]),
                            float(row[8]), bool(row[9]), int(row[10]), (float(row[11]), float(row[12])))

    def configs(self) -> list[dict[str, Any]]:
        """The configuration of every invocation that wrote to this folder, oldest first."""
        return [json.loads(r[0]) for r in self._conn.execute("SELECT config FROM runs ORDER BY started")]

    def dataset(self) -> dict[str, Any]:
        """The folder's dataset identity: ``{"dataset": name or path, "options": {...}}``."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'dataset'").fetchone()
        return json.loads(row[0]) if row else {}

    def arrays(self, metric: str | None = None, superseded: bool = False) -> list[ArrayGroup]:
        """Finalized array groups (of one metric, or all), ordered by metric and group; missing files skipped.

        Groups summing only superseded rows (an earlier version of a codec) are left out unless ``superseded``;
        groups added with :func:`save_arrays` sum no rows and are always listed.
        """
        clauses, params = [], []
        if metric is not None:
            clauses.append("metric = ?")
            params.append(metric)
        if not superseded and "superseded_by" in self.columns():
            clauses.append("(NOT EXISTS (SELECT 1 FROM counted c WHERE c.group_id = arrays.group_id) OR EXISTS ("
                           "SELECT 1 FROM counted c JOIN results r ON r.key = c.key WHERE c.group_id = "
                           "arrays.group_id AND r.superseded_by IS NULL))")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        query = f"SELECT group_id, metric, meta, path, rows, complete FROM arrays{where}"
        groups = []
        for gid, name, meta, rel, rows, complete in self._conn.execute(query + " ORDER BY metric, group_id", params):
            path = self.path / rel
            if path.is_file():
                groups.append(ArrayGroup(gid, name, json.loads(meta), path, int(rows or 0), bool(complete)))
        return groups

    def missing_arrays(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT path FROM arrays") if not (self.path / r[0]).is_file()]

    def samples(self) -> list[SampleCrop]:
        return [SampleCrop(self.path / SAMPLES / file, corruption, int(severity), key or "")
                for file, key, corruption, severity in
                self._conn.execute("SELECT file, key, corruption, severity FROM samples ORDER BY file")
                if (self.path / SAMPLES / file).is_file()]


def read_mode(run_dir: Path) -> str:
    """``mode=ro``, or ``immutable=1`` where SQLite could not create its side files (a read-only folder or mount).

    An immutable read sees what was last checkpointed into the store: a run that wrote the folder and was
    killed before closing may have left rows in ``results.sqlite-wal``; a warning says so.
    """
    if writable_folder(run_dir):
        return "mode=ro"
    wal = run_dir / f"{STORE_NAME}-wal"
    if wal.is_file() and wal.stat().st_size:
        warnings.warn(f"{run_dir} is read-only and its store has an unfinished write-ahead log: rows committed "
                      f"after its last checkpoint are not shown (copy the folder somewhere writable to see them)",
                      RuntimeWarning, stacklevel=3)
    return "immutable=1"


def open_run(run_dir: str | os.PathLike) -> Run:
    """Open a run folder read-only; :class:`RunError` with one line if it is not a readable run."""
    run_dir = Path(run_dir)
    path = run_dir / STORE_NAME
    if not path.is_file():
        raise RunError(f"no {STORE_NAME} in {run_dir}: not a run folder (run `oodnic run` first)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{read_mode(run_dir)}", uri=True)
        conn.row_factory = sqlite3.Row
        version = schema_version_of(conn)
    except sqlite3.DatabaseError as exc:
        raise RunError(f"{path} is not a readable results store: {exc}") from None
    if version != SCHEMA_VERSION:
        conn.close()
        raise RunError(old_schema_message(path, version) if version else f"{path} holds no results yet")
    return Run(run_dir, conn)


class ArrayWriter:
    """Adds array groups to a run folder (e.g. Fourier heat maps), many in one open store::

        with ArrayWriter("runs/kodak") as writer:
            writer.save("fourier_heatmap", {"codec": "jpeg", "quality": 50}, arrays, metadata)

    The same ``metric`` and ``meta`` replace an earlier group.
    """

    def __init__(self, run_dir: str | os.PathLike):
        self.run_dir = Path(run_dir)
        self.store = ResultStore(self.run_dir / STORE_NAME)

    def __enter__(self) -> "ArrayWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.store.close()

    def save(self, metric: str, meta: dict[str, Any], arrays: dict[str, np.ndarray],
             metadata: dict[str, Any] | None = None) -> ArrayGroup:
        gid = digest([metric, meta], 24)
        rel = self.store.write_arrays(metric, gid, arrays, metadata or {})
        rows = int(meta.get("images", 0) or 0)
        self.store.record_array(gid, metric, meta, rel, rows, True)
        return ArrayGroup(gid, metric, meta, self.run_dir / rel, rows, True)


def save_arrays(run_dir: str | os.PathLike, metric: str, meta: dict[str, Any], arrays: dict[str, np.ndarray],
                metadata: dict[str, Any] | None = None) -> ArrayGroup:
    """Add one array group to a run folder (see :class:`ArrayWriter` for many)."""
    with ArrayWriter(run_dir) as writer:
        return writer.save(metric, meta, arrays, metadata)
