"""What every section builder gets: the run's data, its analysis, the options, and where to put files."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .analysis import Analysis
from .cases import Cell, same_cases_mean
from .model import Figure, Skip
from .plotting import CodecStyle, codec_styles, save
from .rundata import RunData, Selection, Variant, is_clean

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
    #: RD figures on a logarithmic bpp axis
    log_bpp: bool = False
    #: spectrum tiles each on their own colour scale (default: one scale per spectrum kind)
    per_tile_scale: bool = False
    #: the rows read (default: all)
    selection: Selection = Selection()


@dataclass
class Context:
    data: RunData
    analysis: Analysis
    out: Path
    options: Options = field(default_factory=Options)
    skipped: list[Skip] = field(default_factory=list)
    _failures: dict | None = field(default=None, repr=False)

    def figure(self, fig, stem: str, title: str, caption: str) -> Figure:
        """Save ``fig`` as figures/``stem``.png, .svg and .pdf and describe it for the page."""
        png, svg, pdf = save(fig, self.out / FIGURES, stem)
        return Figure(title, caption, f"{FIGURES}/{png}", f"{FIGURES}/{svg}", f"{FIGURES}/{pdf}")

    @cached_property
    def styles(self) -> dict[str, CodecStyle]:
        """Each codec's colour and marker, the same in every figure."""
        return codec_styles(self.analysis.all_codecs)

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(Skip(item, reason))

    def images_phrase(self, count: int | None = None) -> str:
        count = len(self.analysis.images) if count is None else count
        return f"{count} image{'s' if count != 1 else ''} of {', '.join(self.data.datasets)}"

    def mean_pair(self, pairs: dict[tuple[str, Variant], tuple[Cell, Cell]], codecs: list[str],
                  variants: list[Variant], labels: tuple[str, str], where: str) -> tuple[dict[str, Cell], ...]:
        """Same-case means over ``variants`` of both measures of ``pairs``; each gap is listed under Skipped."""
        out = []
        for index, label in enumerate(labels):
            mean, why = same_cases_mean({key: pair[index] for key, pair in pairs.items()}, codecs, variants,
                                        self.variant_name)
            if why:
                self.skip(f"{label} {where}", why)
            out.append(mean)
        return tuple(out)

    def absence(self, codec: str, variant: Variant) -> str:
        """Why ``codec`` has no curve on ``variant``: no row at all, or how many failed and the first error."""
        if self._failures is None:
            self._failures = {}
            for row in self.data.error_rows:
                key = (self.analysis.label(row), (row["corruption"], int(row["severity"] or 0)))
                count, first = self._failures.get(key, (0, row.get("error") or ""))
                self._failures[key] = (count + 1, first)
        count, first = self._failures.get((codec, variant), (0, ""))
        where = self.variant_name(variant)
        if not count:
            return f"{codec} has no row on {where}"
        return f"{codec} has no successful row on {where} ({count} failed: {first})"

    def variant_name(self, variant: Variant) -> str:
        return "clean input" if is_clean(variant) else f"{variant[0]} s{variant[1]}"
