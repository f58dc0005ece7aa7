"""The conformance kit: the contract tests every codec, corruption and metric plugin passes.

Subclass :class:`CodecContract`, :class:`CorruptionContract` or
:class:`MetricContract` as ``Test...`` and set the object under test. The
platform checks what it hands plugins (images are HxWx3 uint8) and what they
return (decoded images, metric values) once, at run time, so the kit does not
make plugins re-check the platform's own inputs. This module is also a pytest
plugin (the ``pytest11`` entry point ``oodnic``): its fixtures serve any
plugin's tests, in this repository or outside it.
"""

from __future__ import annotations

import json
import math
import random
import re
from typing import Any, Callable, Collection, Sequence

import numpy as np
import pytest

from ..codec import Codec, Quality
from ..settings import Configurable
from ..contract import check_codec, check_corruption, check_metric, result_column
from ..corruption import Corruption
from ..errors import RegistrationError
from ..metric import Arrays, Metric, Sample, add_arrays
from .rd import photo, rd_points, synthetic_image


class Contract:
    """Base of the contract test classes: ``subject`` names the class attribute holding what is tested.

    The attribute holds one object or a list of them; every test of the class
    then runs once per object (pytest calls :meth:`pytest_generate_tests` on
    test classes), with the object's name as the test id.
    """

    subject = ""

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if self.subject not in metafunc.fixturenames:
            return
        value = getattr(self, self.subject, None)
        if value is None:
            raise TypeError(f"{type(self).__name__}: set the class attribute {self.subject} (an instance or a list)")
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        metafunc.parametrize(self.subject, [pytest.param(item, id=str(getattr(item, "name", "")) or None,
                                                         marks=self.marks(item)) for item in items])

    def marks(self, item: Any) -> list:
        """pytest marks for one object under test (a codec that is not available is skipped, saying why)."""
        return []


def assert_refused(call: Callable[[], Any], what: str) -> None:
    """Assert ``call()`` raises ``ValueError`` with one non-empty line (anything else fails, naming it)."""
    try:
        result = call()
    except ValueError as exc:
        message = str(exc)
        assert message.strip() and "\n" not in message, f"{what}: the ValueError is not one line: {message!r}"
        return
    except Exception as exc:  # the point: any other exception is a contract failure
        raise AssertionError(f"{what}: raised {type(exc).__name__} ({exc}), expected a one-line ValueError") from exc
    raise AssertionError(f"{what}: accepted (returned {type(result).__name__}), expected a one-line ValueError")


def candidate_values(obj: Configurable, key: str, current: Any) -> list[Any]:
    """Values other than ``current`` that setting ``key`` may take, from its declared schema or its type."""
    if key in obj.setting_choices:
        return [choice for choice in obj.setting_choices[key] if choice != current]
    if key in obj.setting_ranges:
        return [bound for bound in obj.setting_ranges[key] if bound != current]
    if isinstance(current, bool):
        return [not current]
    return []


def assert_settings_recorded(obj: Configurable, to_try: dict[str, Any] | None = None) -> None:
    """Recorded settings are JSON, hold the fixed and settable ones, and follow ``configure()``.

    Each setting is changed alone to another declared value (its choices, range
    bounds, or the other boolean) or to ``to_try[key]``; the copy records the
    new value and the original keeps its own. Fixed settings and values outside
    the declared schema are refused with a one-line ``ValueError``.
    """
    recorded = obj.recorded_settings()
    try:
        json.dumps(recorded, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{obj.name}: recorded_settings() is not JSON-serialisable: {exc}") from None
    settings = obj.settings()
    assert {**dict(obj.fixed_settings), **settings}.items() <= recorded.items(), (
        f"{obj.name}: recorded_settings() lacks fixed or settable settings: {recorded}"
    )
    for key, current in settings.items():
        candidates = [to_try[key]] if to_try and key in to_try else candidate_values(obj, key, current)
        for value in candidates:
            try:
                changed = obj.configure(**{key: value})
            except ValueError:
                continue  # another setting constrains this value; try the next one
            assert changed.recorded_settings()[key] == value, (
                f"{obj.name}: configure({key}={value!r}) is not recorded: {changed.recorded_settings()}"
            )
            assert obj.recorded_settings() == recorded, f"{obj.name}: configure() changed the original"
            break
    for key in obj.fixed_settings:
        assert_refused(lambda: obj.configure(**{key: "something else"}), f"{obj.name}: configure(fixed {key})")
    for key in obj.setting_choices:
        assert_refused(lambda: obj.configure(**{key: "not-a-declared-choice"}), f"{obj.name}: configure({key}=?)")
    for key, (_, high) in obj.setting_ranges.items():
        assert_refused(lambda: obj.configure(**{key: high + 1}), f"{obj.name}: configure({key}={high + 1})")


def assert_registers(check: Callable[[Any], None], obj: Any, kind: str) -> None:
    """The core's registration ``check`` accepts ``obj``, and its ``version()`` is a non-empty string."""
    try:
        check(obj)
    except RegistrationError as exc:
        raise AssertionError(f"the contract refuses this {kind} at registration: {exc}") from None
    version = obj.version()
    assert isinstance(version, str) and version.strip(), f"{obj.name}: version() must be a non-empty string"


class CodecContract(Contract):
    """Contract tests for a codec: subclass it as ``Test...`` and set ``codec`` (an instance or a list).

    ::

        class TestJpeg(CodecContract):
            codec = JpegCodec()

    Optional class attributes: ``quality`` (used by the single-quality checks;
    default the middle of the ladder), ``ladder_image`` (the image the ladder
    must increase in rate on; default a 96 x 128 :func:`photo`), ``small_sizes``
    (sizes that must be coded or refused with a one-line ``ValueError``),
    ``settings_to_try`` (setting -> another valid value, for settings without
    declared choices or ranges).
    A codec whose ``unavailable_reason()`` is not ``None`` is skipped, saying why.
    """

    subject = "codec"
    codec: Codec | Sequence[Codec] | None = None
    quality: Quality | None = None
    ladder_image: np.ndarray | None = None
    small_sizes: Sequence[tuple[int, int]] = ((1, 1), (2, 3), (7, 9), (45, 67))
    settings_to_try: dict[str, Any] | None = None

    def marks(self, item: Any) -> list:
        reason = item.unavailable_reason() if isinstance(item, Codec) else None
        return [pytest.mark.skip(reason=f"{item.name} is unavailable: {reason}")] if reason else []

    def quality_for(self, codec: Codec) -> Quality:
        if self.quality is not None:
            return self.quality
        return list(codec.qualities)[len(codec.qualities) // 2]

    def test_registration_is_accepted(self, codec: Codec) -> None:
        assert_registers(check_codec, codec, "codec")

    def test_round_trip_keeps_shape_and_dtype(self, codec: Codec) -> None:
        codec.load("cpu")
        image = synthetic_image()
        data = codec.encode(image, self.quality_for(codec))
        assert isinstance(data, bytes) and len(data) > 0, f"{codec.name} wrote an empty or non-bytes bitstream"
        decoded = codec.decode(data)
        assert isinstance(decoded, np.ndarray) and decoded.dtype == np.uint8 and decoded.shape == image.shape, (
            f"{codec.name} decoded {getattr(decoded, 'dtype', type(decoded))} {getattr(decoded, 'shape', '')}, "
            f"expected uint8 {image.shape}"
        )
        if codec.accepts_float:
            floats = codec.decode(codec.encode(image.astype(np.float32) + np.float32(0.25), self.quality_for(codec)))
            assert floats.shape == image.shape and floats.dtype == np.uint8, f"{codec.name}: float input round trip"

    def test_encode_and_decode_are_deterministic(self, codec: Codec) -> None:
        codec.load("cpu")
        image, quality = synthetic_image(), self.quality_for(codec)
        first, second = codec.encode(image, quality), codec.encode(image.copy(), quality)
        assert first == second, f"{codec.name} wrote different bytes for the same image and quality"
        np.testing.assert_array_equal(codec.decode(first), codec.decode(first), err_msg=f"{codec.name} decode")

    def test_odd_and_small_images_are_coded_or_refused(self, codec: Codec) -> None:
        codec.load("cpu")
        for height, width in self.small_sizes:
            image = synthetic_image(height, width)
            what = f"{codec.name} on a {width}x{height} image"
            try:
                data = codec.encode(image, self.quality_for(codec))
            except ValueError as exc:
                assert str(exc).strip() and "\n" not in str(exc), f"{what}: the ValueError is not one line: {exc!r}"
                continue
            except Exception as exc:
                raise AssertionError(f"{what}: raised {type(exc).__name__} ({exc}); code it or refuse it "
                                     f"with a one-line ValueError") from exc
            decoded = codec.decode(data)
            assert decoded.shape == image.shape and decoded.dtype == np.uint8, (
                f"{what}: decoded {decoded.dtype} {decoded.shape}"
            )

    def test_bad_input_is_refused_with_one_line(self, codec: Codec) -> None:
        codec.load("cpu")
        image, quality = synthetic_image(), self.quality_for(codec)
        bad = {
            "an HxW image": image[..., 0],
            "an HxWx4 image": np.concatenate([image, image[..., :1]], axis=2),
            "an int16 image": image.astype(np.int16),
            "an empty image": image[:0],
        }
        if not codec.accepts_float:
            bad["a float32 image"] = image.astype(np.float32)
        for what, array in bad.items():
            assert_refused(lambda: codec.encode(array, quality), f"{codec.name}.encode({what})")

    def test_ladder_increases_in_rate(self, codec: Codec) -> None:
        codec.load("cpu")
        points = rd_points(codec, photo() if self.ladder_image is None else self.ladder_image)
        table = {q: (round(r, 4), round(d, 2)) for q, (r, d) in zip(codec.qualities, points)}
        rates, quality_db = np.array(points).T
        assert np.all(np.diff(rates) > 0), f"{codec.name}: bpp does not strictly increase along the ladder: {table}"
        assert np.all(np.diff(quality_db) >= 0), f"{codec.name}: PSNR decreases along the ladder: {table}"

    def test_quality_range_is_enforced(self, codec: Codec) -> None:
        for quality in codec.qualities:
            codec.check_quality(quality)
        for bad in (math.nan, math.inf, True, "5"):
            assert_refused(lambda: codec.check_quality(bad), f"{codec.name}.check_quality({bad!r})")
        if codec.quality_range is None:
            pytest.skip(f"{codec.name} declares no quality_range")
        low, high = codec.quality_range
        span = max(1, high - low)
        for bad in (low - span, high + span):
            assert_refused(lambda: codec.check_quality(bad), f"{codec.name}.check_quality({bad})")

    def test_settings_are_recorded(self, codec: Codec) -> None:
        assert_settings_recorded(codec, self.settings_to_try)

    def test_fingerprint_is_stable(self, codec: Codec) -> None:
        first = codec.fingerprint()
        assert isinstance(first, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in first.items()), (
            f"{codec.name}: fingerprint() must be a dict of strings, got {first!r}"
        )
        json.dumps(first)
        assert codec.fingerprint() == first, f"{codec.name}: fingerprint() changed between two calls"

    def test_batch_equals_one_by_one(self, codec: Codec) -> None:
        codec.load("cpu")
        images = [synthetic_image(seed=seed) for seed in (1, 2, 3)]
        quality = self.quality_for(codec)
        batch = codec.encode_batch(images, quality)
        single = [codec.encode(image, quality) for image in images]
        errors = [item for item in batch if isinstance(item, Exception)]
        assert not errors, f"{codec.name}.encode_batch failed: {errors[0]!r}"
        assert list(batch) == single, f"{codec.name}: encode_batch differs from encode, image by image"
        decoded = codec.decode_batch(single)
        assert len(decoded) == len(single), f"{codec.name}: decode_batch returned {len(decoded)} items for 3"
        for data, image in zip(single, decoded):
            assert not isinstance(image, Exception), f"{codec.name}.decode_batch failed: {image!r}"
            np.testing.assert_array_equal(image, codec.decode(data), err_msg=f"{codec.name}: decode_batch")


class CorruptionContract(Contract):
    """Contract tests for a corruption: subclass it as ``Test...``, set ``corruption`` and ``stochastic``.

    ::

        class TestVignette(CorruptionContract):
            corruption = Vignette()
            stochastic = False

    ``stochastic``: ``True`` when the output depends on the random generator
    (another seed must then change it), ``False`` when it must not; with a list
    of corruptions, a collection of the names of the stochastic ones.
    ``image``: the image corrupted (default a 48 x 64 synthetic image).
    """

    subject = "corruption"
    corruption: Corruption | Sequence[Corruption] | None = None
    stochastic: bool | Collection[str] | None = None
    image: np.ndarray = synthetic_image(48, 64, seed=5)

    def is_stochastic(self, corruption: Corruption) -> bool:
        if self.stochastic is None:
            raise TypeError(f"{type(self).__name__}: declare stochastic = True or False (or the stochastic names)")
        if isinstance(self.stochastic, bool):
            return self.stochastic
        return corruption.name in self.stochastic

    def corrupt(self, corruption: Corruption, severity: int, seed: int) -> np.ndarray:
        image = self.image.copy()
        image.flags.writeable = False  # a corruption must not modify its input
        return corruption.apply(image, severity, np.random.default_rng(seed))

    def test_registration_is_accepted(self, corruption: Corruption) -> None:
        assert_registers(check_corruption, corruption, "corruption")

    def test_every_severity_keeps_shape_and_dtype(self, corruption: Corruption) -> None:
        changed = False
        for severity in corruption.severities:
            out = self.corrupt(corruption, severity, seed=0)
            assert isinstance(out, np.ndarray) and out.shape == self.image.shape and out.dtype == np.uint8, (
                f"{corruption.name} at severity {severity} gave {getattr(out, 'dtype', type(out))} "
                f"{getattr(out, 'shape', '')}, expected uint8 {self.image.shape}"
            )
            changed = changed or not np.array_equal(out, self.image)
        assert changed, f"{corruption.name} leaves the image unchanged at every severity"

    def test_same_seed_same_output_and_global_generators_untouched(self, corruption: Corruption) -> None:
        severity = max(corruption.severities)
        numpy_state, python_state = np.random.get_state(), random.getstate()
        first = self.corrupt(corruption, severity, seed=11)
        second = self.corrupt(corruption, severity, seed=11)
        np.testing.assert_array_equal(first, second, err_msg=f"{corruption.name}: same seed, different output")
        after = np.random.get_state()
        assert numpy_state[1].tolist() == after[1].tolist() and numpy_state[2:] == after[2:], (
            f"{corruption.name} draws from numpy's global generator; draw from the rng it is given"
        )
        assert random.getstate() == python_state, f"{corruption.name} draws from Python's random module"

    def test_another_seed_changes_only_stochastic_output(self, corruption: Corruption) -> None:
        severity = max(corruption.severities)
        differs = not np.array_equal(self.corrupt(corruption, severity, 11), self.corrupt(corruption, severity, 12))
        if self.is_stochastic(corruption):
            assert differs, f"{corruption.name} is declared stochastic but another seed gives the same output"
        else:
            assert not differs, f"{corruption.name} is declared deterministic but another seed changes its output"

    def test_bad_input_is_refused_with_one_line(self, corruption: Corruption) -> None:
        image, rng = self.image, np.random.default_rng(0)
        severity = min(corruption.severities)
        bad_images = {
            "a float32 image": image.astype(np.float32),
            "an int16 image": image.astype(np.int16),
            "an HxWx4 image": np.concatenate([image, image[..., :1]], axis=2),
            "an empty image": image[:0],
        }
        for what, array in bad_images.items():
            assert_refused(lambda: corruption.apply(array, severity, rng), f"{corruption.name}.apply({what})")
        for bad in (0, max(corruption.severities) + 1):
            assert_refused(lambda: corruption.apply(image, bad, rng), f"{corruption.name}.apply(severity={bad})")


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
