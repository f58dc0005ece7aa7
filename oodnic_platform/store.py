"""Writing a run folder's results store, ``RUN_DIR/results.sqlite``; the driver is its only writer.

Tables:

- ``results``: one row per (image, input variant, codec, quality), keyed by a
  content address (:mod:`oodnic_platform.identity`); its columns are
  :data:`FIXED_COLUMNS` plus one per plugin metric, added as metrics appear
  (names per :mod:`oodnic_platform.contract`).
- ``contributions``: running sums of accumulating metrics for groups not yet
  complete; ``counted`` lists exactly which rows each group's sum holds. A row's
  contribution is added in the same transaction as the row, and only once.
- ``arrays``: finalized arrays of each group, saved under ``RUN_DIR/arrays/``.
- ``samples``: centre crops of the sample image under ``RUN_DIR/samples/``.
- ``rate_matches``: one row per (image, input, codec, target bpp) of a
  rate-matched run: the row chosen (``row_key``), its quality and bpp, whether
  it is within the tolerance, the probes spent and the rates reached.
- ``runs``: the configuration of each invocation; ``meta``: schema version and dataset.

A run folder is locked while a run writes to it (``RUN_DIR/.lock`` holds the
pid): a second ``oodnic run`` on it is refused with one line. Every chunk
commits atomically, so a run killed at any moment leaves only whole rows.
The store owns every write to a run folder: SQL, arrays and sample crops.
Readers use :mod:`oodnic_platform.results`. ``SCHEMA_VERSION`` is recorded in
every store; a store of another version is refused with one line.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import sqlite3
from dataclasses import dataclass
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from . import __version__
from .errors import ConfigError
from .files import atomic_write
from .metric import Arrays, add_arrays
from .files import check_output_dir

STORE_NAME = "results.sqlite"
#: One rate match per (image, input, codec, target): ``match_key`` hashes the row identity without the quality.
MATCH_COLUMNS: dict[str, str] = {
    "match_key": "TEXT PRIMARY KEY", "row_key": "TEXT", "codec": "TEXT", "codec_settings": "TEXT", "image": "TEXT",
    "corruption": "TEXT", "severity": "INTEGER", "target_bpp": "REAL", "quality": "NUMERIC", "bpp": "REAL",
    "met": "INTEGER", "probes": "INTEGER", "reach_low": "REAL", "reach_high": "REAL",
}
LOCK_NAME = ".lock"
ARRAYS = "arrays"
SAMPLES = "samples"
SCHEMA_VERSION = 2

#: Column -> SQLite type, in table order.
FIXED_COLUMNS: dict[str, str] = {
    "key": "TEXT PRIMARY KEY",
    # what was coded
    "dataset": "TEXT",
    "image": "TEXT",
    "image_sha256": "TEXT",
    "corruption": "TEXT",
    "severity": "INTEGER",
    "frequency": "TEXT",
    "corruption_version": "TEXT",
    "seed": "INTEGER",
    # how it was coded
    "codec": "TEXT",
    "codec_version": "TEXT",
    "codec_settings": "TEXT",
    "codec_fingerprint": "TEXT",
    "codec_provenance": "TEXT",
    "plugin": "TEXT",
    "quality": "NUMERIC",
    # what happened
    "status": "TEXT",
    "error": "TEXT",
    "traceback": "TEXT",
    "metrics": "TEXT",
    # NULL while current; else the key of the row that replaced it (another content of the same image file, or
    # another version or fingerprint of the same codec: retrained weights, a rebuilt binary)
    "superseded_by": "TEXT",
    "width": "INTEGER",
    "height": "INTEGER",
    "num_bytes": "INTEGER",
    "bitstream_sha256": "TEXT",
    "encode_s": "REAL",
    "decode_s": "REAL",
    # the built-in metrics
    "bpp": "REAL",
    "psnr": "REAL",
    "ms_ssim": "REAL",
    "psnr_wrt_clean": "REAL",
}
#: What a row measures besides the image's content and the codec's identity: a row of the same case whose image
#: content, codec version or codec fingerprint differs supersedes it.
CASE_COLUMNS = ("dataset", "image", "corruption", "severity", "seed", "codec", "codec_settings", "quality")
#: What, differing within a case, makes the newer row replace the older.
_REPLACING = ("image_sha256", "codec_version", "codec_fingerprint")
#: Columns that differ between identical runs (wall-clock timings).
TIMING_COLUMNS = ("encode_s", "decode_s")


def pack_arrays(arrays: Arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def unpack_arrays(blob: bytes) -> Arrays:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def prepare_run_dir(run_dir: Path) -> Path:
    """Create the run folder, or raise a one-line :class:`ConfigError` saying why it cannot be."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ConfigError(f"cannot create run folder {run_dir}: a file is in the way") from None
    except NotADirectoryError:
        raise ConfigError(f"cannot create run folder {run_dir}: a parent is a file") from None
    except OSError as exc:
        raise ConfigError(f"cannot create run folder {run_dir}: {exc.strerror or exc}") from None
    if not os.access(run_dir, os.W_OK | os.X_OK):
        raise ConfigError(f"run folder {run_dir} is not writable")
    return run_dir


def check_writable(run_dir: Path) -> None:
    """Raise a one-line :class:`ConfigError` unless ``run_dir`` is, or could be created as, a writable folder."""
    check_output_dir(run_dir, "cannot use run folder")


@dataclass(frozen=True)
class ArrayRecord:
    """Where a group's finalized arrays are, and what they sum (a row of the ``arrays`` table)."""

    metric: str
    meta: dict[str, Any]
    path: str
    rows: int
    complete: bool


class RunLock:
    """An exclusive lock on a run folder, released when the process ends (even by ``kill -9``)."""

    def __init__(self, run_dir: Path):
        self.path = run_dir / LOCK_NAME
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise ConfigError(f"run folder {run_dir} is in use by {holder}: wait for it to finish, "
                              f"or use another --run-dir") from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"oodnic run (pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')})")
        self.handle.flush()

    def release(self) -> None:
        if not self.handle.closed:
            self.handle.truncate(0)
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()


def schema_version_of(conn: sqlite3.Connection) -> int | None:
    """The store's schema version; 1 for stores of oodnic-platform 0.1 (no ``meta`` table); None if empty."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None
    return 1 if "results" in tables else None


def old_schema_message(path: Path, version: int) -> str:
    return (f"{path} has results schema {version}; this oodnic-platform {__version__} reads and writes schema "
            f"{SCHEMA_VERSION}: run again into a new --run-dir (the old folder stays readable by the version that "
            f"wrote it)")


class ResultStore:
    """The writable results store of one run folder (hold a :class:`RunLock` while writing)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        version = schema_version_of(self.conn)
        if version not in (None, SCHEMA_VERSION):
            self.conn.close()
            raise ConfigError(old_schema_message(self.path, version))
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        with self.transaction():
            columns = ", ".join(f'"{name}" {kind}' for name, kind in FIXED_COLUMNS.items())
            self.conn.execute(f"CREATE TABLE IF NOT EXISTS results ({columns})")
            self.conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self.conn.execute("CREATE TABLE IF NOT EXISTS contributions (group_id TEXT PRIMARY KEY, metric TEXT,"
                              " data BLOB)")
            self.conn.execute("CREATE TABLE IF NOT EXISTS counted (group_id TEXT, key TEXT,"
                              " PRIMARY KEY (group_id, key)) WITHOUT ROWID")
            self.conn.execute("CREATE TABLE IF NOT EXISTS arrays (group_id TEXT PRIMARY KEY, metric TEXT, meta TEXT,"
                              " path TEXT, rows INTEGER, complete INTEGER)")
            self.conn.execute("CREATE TABLE IF NOT EXISTS samples (file TEXT PRIMARY KEY, key TEXT, corruption TEXT,"
                              " severity INTEGER)")
            self.conn.execute("CREATE TABLE IF NOT EXISTS runs (started REAL, config TEXT)")
            matches = ", ".join(f"{name} {kind}" for name, kind in MATCH_COLUMNS.items())
            self.conn.execute(f"CREATE TABLE IF NOT EXISTS rate_matches ({matches})")
            if "superseded_by" not in self.columns():  # a store written before rows could be superseded
                self.conn.execute('ALTER TABLE results ADD COLUMN "superseded_by" TEXT')
            self.conn.execute(f"CREATE INDEX IF NOT EXISTS results_case ON results ({', '.join(CASE_COLUMNS)})")
        self._columns = self.columns()

    def transaction(self):
        return _Transaction(self.conn)

    @property
    def run_dir(self) -> Path:
        return self.path.parent

    def close(self) -> None:
        self.conn.close()

    def columns(self) -> list[str]:
        return [r["name"] for r in self.conn.execute("PRAGMA table_info(results)")]

    def claim_dataset(self, identity: str) -> None:
        """A run folder holds one dataset: a run over another one is refused with one line."""
        with self.transaction():
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'dataset'").fetchone()
            if row is None:
                self.conn.execute("INSERT INTO meta VALUES ('dataset', ?)", (identity,))
            elif row[0] != identity:
                held, asked = json.loads(row[0]), json.loads(identity)
                raise ConfigError(f"{self.path.parent} holds results of dataset {_describe(held)}, not "
                                  f"{_describe(asked)}: use another --run-dir")

    def record_run(self, config: dict[str, Any]) -> None:
        with self.transaction():
            self.conn.execute("INSERT INTO runs VALUES (?, ?)", (time.time(), json.dumps(config, default=str)))

    def finished(self) -> dict[str, str]:
        """Key -> metrics JSON of every row that succeeded (error rows are retried)."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT key, metrics FROM results WHERE status = 'ok'")}

    def outcomes(self, keys: Iterable[str]) -> dict[str, tuple[str, float | None]]:
        """Key -> (status, bpp) of each of ``keys`` that has a row."""
        found = {}
        for key in keys:
            row = self.conn.execute("SELECT status, bpp FROM results WHERE key = ?", (key,)).fetchone()
            if row is not None:
                found[key] = (row[0], row[1])
        return found

    def record_matches(self, matches: Iterable[dict[str, Any]]) -> None:
        """Write rate matches (dicts with the ``rate_matches`` columns), replacing earlier ones of the same case."""
        columns = list(MATCH_COLUMNS)
        with self.transaction():
            self.conn.executemany(f"INSERT OR REPLACE INTO rate_matches ({', '.join(columns)}) VALUES "
                                  f"({', '.join('?' for _ in columns)})", [[m[c] for c in columns] for m in matches])

    def counted(self) -> dict[str, set[str]]:
        """Group id -> keys of the rows its sum holds."""
        out: dict[str, set[str]] = {}
        for gid, key in self.conn.execute("SELECT group_id, key FROM counted"):
            out.setdefault(gid, set()).add(key)
        return out

    def array_groups(self) -> dict[str, tuple[str, int]]:
        """Group id -> (arrays path, complete) of every finalized group."""
        return {r[0]: (r[1], r[2]) for r in self.conn.execute("SELECT group_id, path, complete FROM arrays")}

    def reopen_group(self, group_id: str) -> None:
        """Forget a complete group (its sum was discarded): its rows will be summed again from scratch."""
        with self.transaction():
            self.conn.execute("DELETE FROM counted WHERE group_id = ?", (group_id,))
            self.conn.execute("DELETE FROM arrays WHERE group_id = ?", (group_id,))
            self.conn.execute("DELETE FROM contributions WHERE group_id = ?", (group_id,))

    def _ensure_columns(self, rows: Iterable[dict[str, Any]]) -> None:
        self._columns = self.columns()  # another writer may have added some (inside this transaction)
        for row in rows:
            for name, value in row.items():
                if name not in self._columns:
                    kind = "TEXT" if isinstance(value, str) else "REAL"
                    self.conn.execute(f'ALTER TABLE results ADD COLUMN "{name}" {kind}')
                    self._columns.append(name)

    def commit_chunk(self, rows: list[dict[str, Any]], groups: dict[str, Any],
                     finalized: dict[str, ArrayRecord] | None = None) -> None:
        """Write a chunk's rows and add its contributions, in one transaction; each row counted once per group.

        Groups in ``finalized`` were complete within the chunk: their arrays are already written, so they
        are indexed instead of summed.
        """
        finalized = finalized or {}
        with self.transaction():
            self._ensure_columns(rows)
            for row in rows:
                self._upsert(row)
            self._supersede(row["key"] for row in rows)
            for gid, record in finalized.items():
                self._record_array(gid, record)
            for gid, part in groups.items():
                new = [k for k in part.keys
                       if self.conn.execute("INSERT OR IGNORE INTO counted VALUES (?, ?)", (gid, k)).rowcount]
                if len(new) != len(part.keys):
                    raise RuntimeError(f"group {gid}: {len(part.keys) - len(new)} row(s) were already counted "
                                       f"(a second writer without the run folder's lock?)")
                if gid in finalized:
                    continue
                old = self.conn.execute("SELECT data FROM contributions WHERE group_id = ?", (gid,)).fetchone()
                total = add_arrays(unpack_arrays(old[0]) if old else None, part.arrays)
                self.conn.execute("INSERT OR REPLACE INTO contributions VALUES (?, ?, ?)",
                                  (gid, part.metric, pack_arrays(total)))

    def make_current(self, keys: Iterable[str]) -> None:
        """Rows of ``keys`` (a run's planned rows already in the store) become current again where another
        content of their image file or another codec identity superseded them; only cases holding several rows
        are looked at."""
        columns = ", ".join(CASE_COLUMNS)
        shared = {tuple(r) for r in self.conn.execute(f"SELECT {columns} FROM results GROUP BY {columns} "
                                                      f"HAVING COUNT(*) > 1")}
        if not shared:
            return
        wanted = set(keys)
        with self.transaction():
            self._supersede(key for key, *case in self.conn.execute(f"SELECT key, {columns} FROM results")
                            if tuple(case) in shared and key in wanted)

    def _supersede(self, keys: Iterable[str]) -> None:
        """Each row of ``keys`` is current; the rows of its case with another image content or codec identity
        (version, fingerprint) are superseded by it."""
        match = " AND ".join(f'"{c}" IS ?' for c in CASE_COLUMNS)
        differs = " OR ".join(f'"{c}" IS NOT ?' for c in _REPLACING)
        for key in keys:
            found = self.conn.execute(f"SELECT {', '.join(_REPLACING + CASE_COLUMNS)} FROM results WHERE key = ?",
                                      (key,)).fetchone()
            self.conn.execute("UPDATE results SET superseded_by = NULL WHERE key = ?", (key,))
            self.conn.execute(f"UPDATE results SET superseded_by = ? WHERE {match} AND ({differs}) AND key != ?",
                              (key, *found[len(_REPLACING):], *found[:len(_REPLACING)], key))

    def _upsert(self, row: dict[str, Any]) -> None:
        if row.get("status") == "ok":
            old = self.conn.execute("SELECT metrics FROM results WHERE key = ? AND status = 'ok'",
                                    (row["key"],)).fetchone()
            if old and old[0]:
                row = {**row, "metrics": json.dumps({**json.loads(old[0]), **json.loads(row["metrics"])},
                                                    sort_keys=True)}
        names = list(row)
        quoted = ", ".join(f'"{n}"' for n in names)
        updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n != "key")
        self.conn.execute(
            f"INSERT INTO results ({quoted}) VALUES ({', '.join('?' for _ in names)}) "
            f"ON CONFLICT(key) DO UPDATE SET {updates} WHERE results.status != 'ok' OR excluded.status = 'ok'",
            [row[n] for n in names],
        )

    def contribution(self, group_id: str) -> tuple[Arrays, int] | None:
        """A group's summed contribution and how many rows it holds, or ``None``."""
        row = self.conn.execute("SELECT data FROM contributions WHERE group_id = ?", (group_id,)).fetchone()
        if row is None:
            return None
        count = self.conn.execute("SELECT COUNT(*) FROM counted WHERE group_id = ?", (group_id,)).fetchone()[0]
        return unpack_arrays(row[0]), count

    def has_contribution(self, group_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM contributions WHERE group_id = ?", (group_id,)).fetchone() is not None

    def open_groups(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT group_id FROM contributions ORDER BY group_id")]

    def record_array(self, group_id: str, metric: str, meta: dict[str, Any], path: str, rows: int,
                     complete: bool) -> None:
        """Index a group's finalized arrays; a complete group's running sum is dropped (its rows stay counted)."""
        with self.transaction():
            self._record_array(group_id, ArrayRecord(metric, meta, path, rows, complete))

    def _record_array(self, group_id: str, record: ArrayRecord) -> None:
        self.conn.execute("INSERT OR REPLACE INTO arrays VALUES (?, ?, ?, ?, ?, ?)",
                          (group_id, record.metric, json.dumps(record.meta, sort_keys=True, default=str),
                           record.path, record.rows, int(record.complete)))
        if record.complete:
            self.conn.execute("DELETE FROM contributions WHERE group_id = ?", (group_id,))

    def save_samples(self, samples: Iterable[Any]) -> None:
        """Write sample crops (``file``, ``png``, ``key``, ``corruption``, ``severity``) and index them."""
        samples = list(samples)
        for crop in samples:
            atomic_write(self.run_dir / SAMPLES / crop.file, crop.png)
        with self.transaction():
            self.conn.executemany("INSERT OR REPLACE INTO samples VALUES (?, ?, ?, ?)",
                                  [(c.file, c.key, c.corruption, c.severity) for c in samples])

    def write_arrays(self, metric: str, group_id: str, arrays: Arrays, metadata: dict[str, Any]) -> str:
        """Save ``arrays`` compressed as ``arrays/<metric>/<group_id>.npz`` (``metadata`` inside); returns the path.

        Not indexed yet: :meth:`record_array` (or :meth:`commit_chunk`) does that.
        """
        rel = Path(ARRAYS) / metric / f"{group_id}.npz"
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays, metadata=np.array(json.dumps(metadata, sort_keys=True, default=str)))
        atomic_write(self.run_dir / rel, buffer.getvalue())
        return rel.as_posix()

    def absorb(self, source: Path) -> tuple[int, int]:
        """Union another run folder's rows, counted keys, array groups, running sums, sample crops and run records
        into this one; returns (rows, groups) added. A row or group both hold with other values (timings aside)
        is a one-line :class:`ConfigError`, and then nothing is added."""
        src = sqlite3.connect(f"{(source / STORE_NAME).resolve().as_uri()}?mode=ro", uri=True)
        src.row_factory = sqlite3.Row
        try:
            if schema_version_of(src) != SCHEMA_VERSION:
                raise ConfigError(f"cannot merge {source}: not a run folder of results schema {SCHEMA_VERSION}")
            dataset = src.execute("SELECT value FROM meta WHERE key = 'dataset'").fetchone()
            if dataset:
                self.claim_dataset(dataset[0])
            with self.transaction():
                rows = self._absorb_rows(source, [dict(r) for r in src.execute("SELECT * FROM results")])
                copies = self._absorb_groups(source, src)
                self.conn.executemany("INSERT OR IGNORE INTO counted VALUES (?, ?)",
                                      src.execute("SELECT group_id, key FROM counted").fetchall())
                for rel in copies:
                    atomic_write(self.run_dir / rel, (source / rel).read_bytes())
                crops = src.execute("SELECT file, key, corruption, severity FROM samples").fetchall()
                for crop in crops:
                    if (source / SAMPLES / crop[0]).is_file():
                        atomic_write(self.run_dir / SAMPLES / crop[0], (source / SAMPLES / crop[0]).read_bytes())
                self.conn.executemany("INSERT OR IGNORE INTO samples VALUES (?, ?, ?, ?)", crops)
                self.conn.executemany("INSERT INTO runs VALUES (?, ?)", src.execute("SELECT started, config FROM runs"))
                if src.execute("SELECT 1 FROM sqlite_master WHERE name = 'rate_matches'").fetchone():
                    self._absorb_matches(source, src)
        finally:
            src.close()
        return rows, len(copies)

    def _absorb_rows(self, source: Path, rows: list[dict[str, Any]]) -> int:
        self._ensure_columns(rows)
        added = 0
        for row in rows:
            old = self.conn.execute("SELECT * FROM results WHERE key = ?", (row["key"],)).fetchone()
            if old is None:
                quoted = ", ".join(f'"{name}"' for name in row)
                self.conn.execute(f"INSERT INTO results ({quoted}) VALUES ({', '.join('?' for _ in row)})",
                                  list(row.values()))
                added += 1
                continue
            differ = [c for c in row if c not in (*TIMING_COLUMNS, "superseded_by") and old[c] != row[c]]
            if differ:
                raise ConfigError(f"cannot merge {source}: row {row['key']} ({row['image']} {row['corruption']}/"
                                  f"{row['severity']} {row['codec']} q{row['quality']}) has other values of "
                                  f"{', '.join(differ[:3])} than in {self.run_dir}")
        return added

    def _absorb_matches(self, source: Path, src: sqlite3.Connection) -> None:
        """Add the source's rate matches; one held here with other values is a one-line :class:`ConfigError`."""
        columns = ", ".join(MATCH_COLUMNS)
        for match in src.execute(f"SELECT {columns} FROM rate_matches").fetchall():
            old = self.conn.execute(f"SELECT {columns} FROM rate_matches WHERE match_key = ?", (match[0],)).fetchone()
            if old is None:
                self.conn.execute(f"INSERT INTO rate_matches ({columns}) VALUES ({', '.join('?' for _ in match)})",
                                  tuple(match))
            elif tuple(old) != tuple(match):
                raise ConfigError(f"cannot merge {source}: rate match of {match['image']} {match['corruption']}/"
                                  f"{match['severity']} {match['codec']} at {match['target_bpp']} bpp differs "
                                  f"from the one in {self.run_dir}")

    def _absorb_groups(self, source: Path, src: sqlite3.Connection) -> list[str]:
        """Index the source's array groups and running sums this store lacks; the array files to copy."""
        copies = []
        for gid, metric, meta, rel, rows, complete in src.execute("SELECT * FROM arrays").fetchall():
            mine = self.conn.execute("SELECT path, rows, complete FROM arrays WHERE group_id = ?", (gid,)).fetchone()
            if mine is None:
                self._record_array(gid, ArrayRecord(metric, json.loads(meta), rel, rows, bool(complete)))
                copies.append(rel)
            elif (mine[1], mine[2]) != (rows, complete) or not same_npz(self.run_dir / mine[0], source / rel):
                raise ConfigError(f"cannot merge {source}: array group {gid} ({metric}) has other values than in "
                                  f"{self.run_dir}")
        for gid, metric, data in src.execute("SELECT group_id, metric, data FROM contributions").fetchall():
            if self.has_contribution(gid):
                raise ConfigError(f"cannot merge {source}: group {gid} ({metric}) is unfinished in both folders; "
                                  f"finish one of the runs first")
            self.conn.execute("INSERT INTO contributions VALUES (?, ?, ?)", (gid, metric, data))
        return copies

    def rows_of(self, keys: Iterable[str], columns: Iterable[str]) -> list[dict[str, Any]]:
        """``columns`` of the rows whose key is in ``keys`` (one join with a temporary table: linear)."""
        quoted = ", ".join(f'r."{c}"' for c in columns)
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (key TEXT PRIMARY KEY)")
        self.conn.execute("DELETE FROM wanted")
        self.conn.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((k,) for k in keys))
        rows = [dict(r) for r in self.conn.execute(f"SELECT {quoted} FROM results r JOIN wanted USING (key)")]
        self.conn.execute("DELETE FROM wanted")
        return rows


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (or ``ROLLBACK`` on an exception): one writer at a time."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, value, tb) -> None:
        self.conn.execute("ROLLBACK" if kind else "COMMIT")


def same_npz(a: Path, b: Path) -> bool:
    """Whether two array files hold the same names, arrays (bit for bit) and metadata."""
    with np.load(a, allow_pickle=False) as one, np.load(b, allow_pickle=False) as other:
        return sorted(one.files) == sorted(other.files) and all(np.array_equal(one[k], other[k]) for k in one.files)


def _describe(identity: dict[str, Any]) -> str:
    options = ", ".join(f"{k}={v}" for k, v in sorted(identity.get("options", {}).items()))
    return f"{identity.get('dataset')} ({options})" if options else str(identity.get("dataset"))
