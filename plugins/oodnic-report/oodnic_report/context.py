"""What every section builder gets: the run's data, its analysis, and where to put figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .analysis import Analysis
from .model import Figure, Skip
from .plotting import save
from .rundata import RunData

FIGURES = "figures"


@dataclass
class Context:
    data: RunData
    analysis: Analysis
    out: Path
    skipped: list[Skip] = field(default_factory=list)

    def figure(self, fig, stem: str, title: str, caption: str) -> Figure:
        """Save ``fig`` as figures/``stem``.png and .svg and describe it for the page."""
        png, svg = save(fig, self.out / FIGURES, stem)
        return Figure(title, caption, f"{FIGURES}/{png}", f"{FIGURES}/{svg}")

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skip(item, reason))

    def images_phrase(self, images: int | set | frozenset) -> str:
        count = images if isinstance(images, int) else len(images)
        return f"{count} image{'s' if count != 1 else ''} of {', '.join(self.data.datasets)}"
