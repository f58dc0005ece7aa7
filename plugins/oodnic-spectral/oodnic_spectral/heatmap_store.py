"""Per-basis Fourier heat-map results in ``OUT/fourier_heatmap.sqlite``, table ``fourier_heatmap``.

One row per (run key, fy, fx): the image means of PSNR(x^, x~), PSNR(x^, x)
and bpp; table ``unperturbed``: per run key, the PSNR of the crops coded as
they are (the maps' reference level); table ``timing``: per run key, the seconds spent measuring and the bases
they measured, summed over every run that resumed it. A batch of bases commits in one transaction, with its
time, so an interrupted run resumes at the first missing basis. The run key hashes everything a basis
result depends on (codec, settings, version, quality, images, crop, eps,
seed), not the grid: a larger grid reuses a smaller one's bases.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .fourier import Frequency

COLUMNS = (
    "run_key TEXT", "codec TEXT", "codec_settings TEXT", "codec_version TEXT", "quality REAL", "dataset TEXT",
    "images INTEGER", "crop INTEGER", "eps REAL", "seed INTEGER", "fy INTEGER", "fx INTEGER",
    "psnr_input REAL", "psnr_clean REAL", "bpp REAL",
)


@dataclass(frozen=True)
class BasisResult:
    """Image means for one basis: PSNR(x^, x~), PSNR(x^, x) (dB) and bits per pixel."""

    frequency: Frequency
    psnr_input: float
    psnr_clean: float
    bpp: float


def run_key(description: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(description, sort_keys=True, default=str).encode()).hexdigest()


class HeatmapStore:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, timeout=60)
        with self.conn:
            self.conn.execute(
                f"CREATE TABLE IF NOT EXISTS fourier_heatmap ({', '.join(COLUMNS)}, PRIMARY KEY (run_key, fy, fx))"
            )
            self.conn.execute("CREATE TABLE IF NOT EXISTS unperturbed (run_key TEXT PRIMARY KEY, psnr REAL)")
            self.conn.execute("CREATE TABLE IF NOT EXISTS timing (run_key TEXT PRIMARY KEY, seconds REAL, bases INTEGER)")

    def close(self) -> None:
        self.conn.close()

    def results(self, key: str) -> dict[Frequency, BasisResult]:
        rows = self.conn.execute(
            "SELECT fy, fx, psnr_input, psnr_clean, bpp FROM fourier_heatmap WHERE run_key = ?", (key,)
        )
        return {(fy, fx): BasisResult((fy, fx), pin, pcl, bpp) for fy, fx, pin, pcl, bpp in rows}

    def unperturbed(self, key: str) -> float | None:
        row = self.conn.execute("SELECT psnr FROM unperturbed WHERE run_key = ?", (key,)).fetchone()
        return None if row is None else float(row[0])

    def set_unperturbed(self, key: str, psnr: float) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO unperturbed VALUES (?, ?)", (key, psnr))

    def timing(self, key: str) -> tuple[float, int]:
        """Seconds spent measuring ``key``'s bases and how many bases they measured, over every run."""
        row = self.conn.execute("SELECT seconds, bases FROM timing WHERE run_key = ?", (key,)).fetchone()
        return (0.0, 0) if row is None else (float(row[0]), int(row[1]))

    def add(self, key: str, description: dict[str, Any], results: Iterable[BasisResult], seconds: float = 0.0) -> None:
        """Insert a batch of basis results, measured in ``seconds``, in one committed transaction."""
        results = list(results)
        fixed = (
            key, description["codec"], json.dumps(description["settings"], sort_keys=True, default=str),
            description["version"], description["quality"], description["dataset"], len(description["images"]),
            description["crop"], description["eps"], description["seed"],
        )
        with self.conn:
            self.conn.executemany(
                f"INSERT OR REPLACE INTO fourier_heatmap VALUES ({', '.join('?' * len(COLUMNS))})",
                [(*fixed, r.frequency[0], r.frequency[1], r.psnr_input, r.psnr_clean, r.bpp) for r in results],
            )
            self.conn.execute(
                "INSERT INTO timing VALUES (?, ?, ?) ON CONFLICT (run_key) DO UPDATE SET "
                "seconds = seconds + excluded.seconds, bases = bases + excluded.bases", (key, seconds, len(results)),
            )
