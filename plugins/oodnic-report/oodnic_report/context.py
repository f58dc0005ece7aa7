"""What every section builder gets: the run's data, its analysis, the options, and where to put files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .analysis import Analysis
from .model import Figure, Skip
from .plotting import save
from .rundata import RunData, Variant, is_clean

FIGURES = "figures"


@dataclass(frozen=True)
class Options:
    #: codec every BD-rate is computed against; None: ``jpeg`` when present
    anchor: str | None = None
    #: bootstrap resamples over images and their seed
    resamples: int = 1000
    seed: int = 0
    #: the default anchor when none is given
    default_anchor: str = "jpeg"


@dataclass
class Context:
    data: RunData
    analysis: Analysis
    out: Path
    options: Options = field(default_factory=Options)
    skipped: list[Skip] = field(default_factory=list)

    def figure(self, fig, stem: str, title: str, caption: str) -> Figure:
        """Save ``fig`` as figures/``stem``.png and .svg and describe it for the page."""
        png, svg = save(fig, self.out / FIGURES, stem)
        return Figure(title, caption, f"{FIGURES}/{png}", f"{FIGURES}/{svg}")

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skip(item, reason))

    def images_phrase(self, count: int | None = None) -> str:
        count = len(self.analysis.images) if count is None else count
        return f"{count} image{'s' if count != 1 else ''} of {', '.join(self.data.datasets)}"

    def variant_name(self, variant: Variant) -> str:
        return "clean input" if is_clean(variant) else f"{variant[0]} s{variant[1]}"
