"""Table cells that say why they are empty, and averages taken only over the same cases for every codec.

An average over cases (severities, corruptions of a group) is computed only
where *every* codec of the comparison has a value for *every* case; otherwise
each cell of that comparison is empty and says which codec misses which case,
and why. No cell ever averages a different set of cases than its neighbours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Hashable, Sequence


@dataclass(frozen=True)
class Cell:
    value: float
    #: why the value is NaN, or a caveat about it ("" when there is nothing to say)
    note: str = ""

    @property
    def ok(self) -> bool:
        return math.isfinite(self.value)


def missing(reason: str) -> Cell:
    return Cell(float("nan"), reason)


def same_cases_mean(cells: dict[tuple[str, Hashable], Cell], codecs: Sequence[str], cases: Sequence[Hashable],
                    describe=str) -> tuple[dict[str, Cell], str]:
    """Per codec, the mean of its cells over ``cases``; all NaN (and the shared reason) unless every cell exists.

    ``cells`` maps (codec, case) to a cell; ``describe(case)`` names a case in
    the reason. Returns the cells and the reason ("" when computed).
    """
    gaps = [(codec, case, cells.get((codec, case), missing("no value")).note) for codec in codecs for case in cases
            if not cells.get((codec, case), missing("")).ok]
    if not cases:
        return {codec: missing("no case to average") for codec in codecs}, "no case to average"
    if gaps:
        shown = "; ".join(f"{codec} at {describe(case)}: {note or 'no value'}" for codec, case, note in gaps[:3])
        more = f"; and {len(gaps) - 3} more" if len(gaps) > 3 else ""
        over = (", ".join(describe(c) for c in cases) if len(cases) <= 6 else
                f"{len(cases)} inputs ({describe(cases[0])} to {describe(cases[-1])})")
        reason = f"not averaged over {over}: {shown}{more}"
        return {codec: missing(reason) for codec in codecs}, reason
    means = {codec: Cell(sum(cells[(codec, case)].value for case in cases) / len(cases)) for codec in codecs}
    return means, ""


def joined_note(*cells: Cell) -> str:
    """The cells' distinct notes (each part of a ``; ``-joined note once), in order, joined by ``; ``."""
    return "; ".join(dict.fromkeys(part for cell in cells if cell.note for part in cell.note.split("; ")))


def common_cases(cells: dict[tuple[str, Hashable], Cell], codecs: Sequence[str], cases: Sequence[Hashable],
                 describe=str) -> tuple[list[Hashable], str]:
    """The cases where every codec has a value, and a note naming the rest ("" when none is left out)."""
    kept = [case for case in cases if all(cells.get((codec, case), missing("")).ok for codec in codecs)]
    left = [describe(case) for case in cases if case not in kept]
    if not left:
        return kept, ""
    return kept, f"over {len(kept)} of {len(cases)} inputs, the same for every codec (left out: {', '.join(left)})"
