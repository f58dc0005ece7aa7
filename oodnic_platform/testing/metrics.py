"""``MetricContract``: the tests every metric plugin passes."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Collection, Sequence

import numpy as np
import pytest

from ..contract import check_metric, result_column
from ..metric import Arrays, Metric, Sample, add_arrays
from .kit import Contract, assert_registers, assert_settings_recorded
from .rd import synthetic_image

COLUMN = re.compile(r"^[a-z0-9_]+$")


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and math.isfinite(float(value))


class MetricContract(Contract):
    """Contract tests for a metric: subclass it as ``Test...`` and set ``metric`` (an instance or a list).

    ::

        class TestMaxError(MetricContract):
            metric = MaxAbsError()

    The samples are synthetic images of ``sample_size`` (default 192 x 256,
    large enough for MS-SSIM): two clean, two corrupted, each with its own
    reconstruction; contributions are summed within each pair (one group).
    ``finalize_is_mean`` (default ``True``): an accumulating metric finalizes
    to means, so one image counted twice finalizes like once, except the keys
    in ``total_keys`` (default ``("count",)``); set it ``False`` for a metric
    that reports totals.
    """

    subject = "metric"
    metric: Metric | Sequence[Metric] | None = None
    sample_size: tuple[int, int] = (192, 256)
    finalize_is_mean = True
    total_keys: Collection[str] = ("count",)
    settings_to_try: dict[str, Any] | None = None

    def samples(self) -> list[Sample]:
        """Two clean samples, then two corrupted ones of one corruption and severity (one group each)."""
        height, width = self.sample_size
        out = []
        for index, corruption in enumerate(("clean", "clean", "kit-noise", "kit-noise")):
            clean = synthetic_image(height, width, seed=index % 2)
            noise = synthetic_image(height, width, seed=10 + index) // 16
            given = clean if corruption == "clean" else np.clip(clean.astype(int) + noise - 8, 0, 255).astype(np.uint8)
            shifted = (given.astype(np.uint16) + np.roll(given, 1 + index, axis=1)) // 2
            reconstruction = (((shifted >> 3) << 3) + 4).astype(np.uint8)
            out.append(Sample(clean=clean, input=given, reconstruction=reconstruction, num_bytes=1000 * (index + 1),
                              image=f"{'ab'[index % 2]}.png", corruption=corruption,
                              severity=0 if corruption == "clean" else 1, codec="kit", quality=1))
        return out

    def test_registration_is_accepted(self, metric: Metric) -> None:
        assert_registers(check_metric, metric, "metric")
        json.dumps(metric.metadata())

    def test_compute_gives_finite_values_in_valid_columns(self, metric: Metric) -> None:
        metric.load("cpu")
        for sample in self.samples():
            value = metric.compute(sample)
            what = f"{metric.name}.compute on {sample.image}"
            if value is None:
                assert metric.accumulates, f"{what} returned None, but the metric does not accumulate either"
                continue
            if not isinstance(value, dict):
                assert _finite(value), f"{what} returned {value!r}, expected a finite number or a dict of them"
                continue
            columns = {}
            for key, item in value.items():
                assert _finite(item), f"{what}: {key!r} is {item!r}, not a finite number"
                column = result_column(metric.name, key)
                assert COLUMN.match(column), f"{what}: key {key!r} gives the invalid column {column!r}"
                assert column not in columns, f"{what}: keys {columns.get(column)!r} and {key!r} share {column}"
                columns[column] = key

    def test_compute_is_deterministic(self, metric: Metric) -> None:
        metric.load("cpu")
        sample = self.samples()[2]
        assert metric.compute(sample) == metric.compute(sample), f"{metric.name}.compute differs on the same sample"

    def test_contributions_are_additive(self, metric: Metric) -> None:
        if not metric.accumulates:
            pytest.skip(f"{metric.name} does not accumulate")
        metric.load("cpu")
        samples = self.samples()
        for first, second in (samples[:2], samples[2:]):  # each pair is one group: one corruption and severity
            a, b = self.contribution(metric, first), self.contribution(metric, second)
            again = self.contribution(metric, first)
            for key in a:
                np.testing.assert_array_equal(a[key], again[key], err_msg=f"{metric.name}: contributions depend "
                                              f"on what was accumulated before ({key!r}); keep no state between images")
            try:
                total = add_arrays(add_arrays(None, a), b)
            except ValueError as exc:
                raise AssertionError(f"{metric.name}: two images' contributions cannot be summed: {exc}") from None
            final = metric.finalize(total)
            assert isinstance(final, dict) and all(isinstance(v, np.ndarray) for v in final.values()), (
                f"{metric.name}.finalize must return a dict of numpy arrays"
            )
            if self.finalize_is_mean:
                once, twice = metric.finalize(add_arrays(None, a)), metric.finalize(add_arrays(add_arrays(None, a), a))
                for key in set(once) - set(self.total_keys):
                    np.testing.assert_allclose(twice[key], once[key], rtol=1e-9, equal_nan=True, err_msg=(
                        f"{metric.name}: one image counted twice finalizes unlike once ({key!r}): contributions "
                        f"must be sums (with a count), not means"))

    def contribution(self, metric: Metric, sample: Sample) -> Arrays:
        part = metric.accumulate(sample)
        assert isinstance(part, dict) and part, f"{metric.name}.accumulate must return a non-empty dict of arrays"
        for key, value in part.items():
            array = np.asarray(value)
            assert array.dtype.kind in "biuf", f"{metric.name}: contribution {key!r} is not numeric ({array.dtype})"
        return {key: np.asarray(value) for key, value in part.items()}

    def test_settings_are_recorded(self, metric: Metric) -> None:
        assert_settings_recorded(metric, self.settings_to_try)
