"""What a report is made of: sections of figures, tables and notes, plus the items skipped and why."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence


@dataclass(frozen=True)
class Figure:
    title: str
    caption: str
    png: str  # path relative to the report folder
    svg: str


@dataclass(frozen=True)
class Table:
    title: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    csv: str  # path relative to the report folder


@dataclass(frozen=True)
class Note:
    text: str
    link: str | None = None  # a file next to the page, linked after the text


@dataclass(frozen=True)
class ImageCell:
    src: str | None  # path relative to the report folder; None for an empty cell
    text: str


@dataclass(frozen=True)
class ImageGrid:
    """Images shown pixel for pixel in a table: one row header and one cell per column."""

    title: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[ImageCell, ...]], ...]


Item = Figure | Table | Note | ImageGrid


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Skip:
    item: str
    reason: str


def fmt(value: Any, digits: int = 2) -> str:
    """Numbers with ``digits`` decimals, NaN and None as ``n/a``, everything else as text."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"
    return str(value)


def write_table(folder: Path, name: str, title: str, caption: str, columns: Sequence[str],
                rows: Sequence[Sequence[Any]], digits: int = 2) -> Table:
    """Write ``name`` (a .csv, full precision) into ``folder`` and return the table shown on the page."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[_csv_value(v) for v in row] for row in rows])
    shown = tuple(tuple(fmt(v, digits) for v in row) for row in rows)
    return Table(title, caption, tuple(columns), shown, name)


def _csv_value(value: Any) -> Any:
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(value)
    return value
