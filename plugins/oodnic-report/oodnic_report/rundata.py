"""The run the report reads, only through the public results API (:mod:`oodnic_platform.results`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oodnic_platform import ConfigError
from oodnic_platform.results import ArrayGroup, Run, SampleCrop, open_run

#: An input variant: (corruption, severity). The clean input is the variant of severity 0 (corruptions have >= 1).
Variant = tuple[str, int]


def is_clean(variant: Variant) -> bool:
    return variant[1] == 0


@dataclass
class RunData:
    """Rows, configurations and dataset of one run folder; array groups and sample crops on demand, once."""

    run_dir: Path
    run: Run
    rows: list[dict[str, Any]]
    error_rows: list[dict[str, Any]]
    configs: list[dict[str, Any]] = field(default_factory=list)
    dataset: dict[str, Any] = field(default_factory=dict)
    _arrays: dict[str | None, list[ArrayGroup]] = field(default_factory=dict, repr=False)
    _samples: list[SampleCrop] | None = field(default=None, repr=False)

    @property
    def images(self) -> list[str]:
        """Every image of the run (with a successful or a failed row)."""
        return sorted({r["image"] for r in self.rows} | {r["image"] for r in self.error_rows})

    @property
    def datasets(self) -> list[str]:
        return sorted({str(r["dataset"]) for r in self.rows})

    def arrays(self, metric: str | None = None) -> list[ArrayGroup]:
        """Array groups of ``metric`` (all when None), listed once per report."""
        if metric not in self._arrays:
            self._arrays[metric] = self.run.arrays(metric)
        return self._arrays[metric]

    def array_metrics(self) -> list[str]:
        return sorted({group.metric for group in self.arrays()})

    def samples(self) -> list[SampleCrop]:
        if self._samples is None:
            self._samples = self.run.samples()
        return self._samples

    def close(self) -> None:
        self.run.close()


@dataclass(frozen=True)
class Selection:
    """Which rows of the run the report reads (all by default); the clean input is kept at any ``severities``."""

    #: the run's first N images, by name
    images: int | None = None
    skip_codecs: tuple[str, ...] = ()
    severities: tuple[int, ...] | None = None

    def __bool__(self) -> bool:
        return self != Selection()

    def apply(self, rows: list[dict[str, Any]], errors: list[dict[str, Any]], run_dir: Path) -> tuple[list, list]:
        """The selected successful and failed rows; an image count or codec the run lacks is one line."""
        everything = rows + errors
        codecs = {r["codec"] for r in everything}
        for codec in self.skip_codecs:
            if codec not in codecs:
                raise ConfigError(f"--skip-codec {codec}: not a codec of {run_dir} ({', '.join(sorted(codecs))})")
        images = sorted({r["image"] for r in everything})
        if self.images is not None and self.images > len(images):
            raise ConfigError(f"--images {self.images}: {run_dir} has rows of {len(images)} images")
        kept = set(images[: self.images])

        def chosen(row: dict[str, Any]) -> bool:
            severity = int(row["severity"] or 0)
            return (row["image"] in kept and row["codec"] not in self.skip_codecs
                    and (self.severities is None or severity == 0 or severity in self.severities))

        return [r for r in rows if chosen(r)], [r for r in errors if chosen(r)]


def load_run(run_dir: str | Path, selection: Selection = Selection()) -> RunData:
    """Open ``run_dir`` read-only and read its rows (those of ``selection``).

    A folder that is not a run, or holds no successful (selected) row, is one line, as is a selection the run
    cannot meet.
    """
    run_dir = Path(run_dir)
    run = open_run(run_dir)  # RunError (one line) when missing or unreadable
    try:
        rows, errors = selection.apply(run.rows(status="ok"), run.rows(status="error"), run_dir)
        if not rows:
            raise ConfigError(f"{run_dir}: no successful result row ({len(errors)} failed): nothing to report")
        return RunData(run_dir, run, rows, errors, run.configs(), run.dataset())
    except BaseException:
        run.close()
        raise
