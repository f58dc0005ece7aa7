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


def load_run(run_dir: str | Path, images: int | None = None) -> RunData:
    """Open ``run_dir`` read-only, keeping the rows of its first ``images`` images (by name; all when None).

    A folder that is not a run, holds no successful row, or has fewer images than asked for is one line.
    """
    run_dir = Path(run_dir)
    run = open_run(run_dir)  # RunError (one line) when missing or unreadable
    try:
        rows = run.rows(status="ok")
        errors = run.rows(status="error")
        if images is not None:
            names = sorted({r["image"] for r in rows} | {r["image"] for r in errors})
            if images > len(names):
                raise ConfigError(f"--images {images}: {run_dir} has rows of {len(names)} images")
            kept = set(names[:images])
            rows, errors = [r for r in rows if r["image"] in kept], [r for r in errors if r["image"] in kept]
        if not rows:
            raise ConfigError(f"{run_dir}: no successful result row ({len(errors)} failed): nothing to report")
        return RunData(run_dir, run, rows, errors, run.configs(), run.dataset())
    except BaseException:
        run.close()
        raise
