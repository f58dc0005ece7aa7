"""What a report is made of: sections of figures, tables, notes and sample crops, plus what was skipped and why."""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from .cases import Cell


@dataclass(frozen=True)
class Figure:
    title: str
    caption: str
    png: str  # paths relative to the report folder
    svg: str
    pdf: str


@dataclass(frozen=True)
class Table:
    title: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    csv: str | None  # path relative to the report folder
    #: footnotes [1], [2], ... referenced from cells
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    text: str
    link: str | None = None  # a file next to the page, linked after the text


@dataclass(frozen=True)
class Crop:
    """One codec's reconstruction over its input (and the clean image): the page flips between them."""

    label: str
    text: str
    reconstruction: str | None  # paths relative to the report folder
    given: str | None
    clean: str | None


@dataclass(frozen=True)
class CropRow:
    title: str
    crops: tuple[Crop, ...]


@dataclass(frozen=True)
class CropGrid:
    title: str
    caption: str
    rows: tuple[CropRow, ...]


@dataclass(frozen=True)
class Tile:
    src: str | None  # a small image relative to the report folder; None: nothing to show (``text`` says why)
    text: str


@dataclass(frozen=True)
class TileGrid:
    """Small images in a table (rows x columns), each with its own scale printed under it."""

    title: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Tile, ...]], ...]
    legend: str | None = None  # a colour-bar image relative to the report folder


Item = Figure | Table | Note | CropGrid | TileGrid


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class Skip:
    item: str
    reason: str


def fmt(value: Any, digits: int = 2) -> str:
    """Numbers with ``digits`` decimals, NaN and None as ``n/a``, infinity as ``inf``, the rest as text."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.{digits}f}"
    return str(value)


def csv_value(value: Any) -> Any:
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return value


def write_csv(folder: Path, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Write ``name`` (full precision, empty for NaN) into ``folder``; returns the name."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([[csv_value(v) for v in row] for row in rows])
    return name


def write_table(folder: Path, name: str, title: str, caption: str, columns: Sequence[str],
                rows: Sequence[Sequence[Any]], digits: int = 2) -> Table:
    """A table shown as it is written to ``name``."""
    write_csv(folder, name, columns, rows)
    return Table(title, caption, tuple(columns), tuple(tuple(fmt(v, digits) for v in row) for row in rows), name)


def legend_key(note: str) -> str:
    """A note's short form for a table legend: its text before the first ``:`` or `` (`` (details stay in the CSV)."""
    return re.split(r":| \(", note, maxsplit=1)[0].strip()


def matrix_table(title: str, caption: str, columns: Sequence[str],
                 rows: Sequence[tuple[str, Sequence[Cell | Sequence[Cell]]]], csv: str | None,
                 formats: Sequence[Callable[[float], str]] = (fmt,)) -> Table:
    """Row label + one entry per column, an entry being a cell or several (shown ``a / b``, ``formats[i]`` each).

    A cell with a note gets marks ``[k]``, one per distinct short form of its notes (:func:`legend_key`), listed
    once under the table as a short legend; the full notes are in the CSV.
    """
    notes: dict[str, int] = {}
    shown = []
    for label, entries in rows:
        out = [label]
        for entry in entries:
            parts = []
            for index, cell in enumerate([entry] if isinstance(entry, Cell) else entry):
                text = formats[min(index, len(formats) - 1)](cell.value) if cell.ok else "n/a"
                keys = dict.fromkeys(legend_key(n) for n in cell.note.split("; ") if n) if cell.note else {}
                if keys:
                    text += " [" + ",".join(str(notes.setdefault(k, len(notes) + 1)) for k in keys) + "]"
                parts.append(text)
            out.append(" / ".join(parts))
        shown.append(tuple(out))
    return Table(title, caption, tuple(columns), tuple(shown), csv, tuple(notes))
