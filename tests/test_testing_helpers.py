"""oodnic_platform.testing: the RD helpers on fake codecs whose bpp and PSNR are known exactly, and the
conformance kit, which good fixtures pass and which catches each fixture broken on purpose."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import time
import zlib

import numpy as np
import pytest

from oodnic_platform import Codec, Corruption, Metric, quality
from oodnic_platform.testing import (
    CodecContract,
    CorruptionContract,
    MetricContract,
    QuantCodec,
    assert_beats_at_bpp,
    assert_ladder_increases,
    assert_round_trip,
    ms_ssim,
    psnr,
    psnr_at_bpp,
    rd_points,
    registered_codec,
    synthetic_image,
)
from oodnic_platform.testing.rd import check_rgb

GREY = np.full((8, 8, 3), 128, np.uint8)  # 64 pixels: n bytes are n / 8 bpp


class TableCodec(Codec):
    """Fake: quality q writes q bytes and decodes GREY off by ``errors[q]`` everywhere (PSNR 20 log10(255 / e))."""

    name = "table"

    def __init__(self, errors: dict[int, int]):
        self.errors = errors
        self.qualities = tuple(errors)

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        return bytes(quality)

    def decode(self, data: bytes) -> np.ndarray:
        return GREY + np.uint8(self.errors[len(data)])


def db(error: float) -> float:
    return 20 * np.log10(255 / error)


LADDER = {4: 16, 8: 8, 16: 4}  # 0.5, 1 and 2 bpp


def test_synthetic_image_is_deterministic_odd_sized_and_textured():
    image = synthetic_image()
    assert image.shape == (45, 67, 3) and image.dtype == np.uint8
    np.testing.assert_array_equal(image, synthetic_image())
    assert not np.array_equal(image, synthetic_image(seed=8))
    assert synthetic_image(10, 12).shape == (10, 12, 3)
    assert image[..., 0].mean(axis=0)[-1] > image[..., 0].mean(axis=0)[0] + 100  # a ramp, left to right
    assert np.abs(np.diff(image.astype(int), axis=1)).mean() > 5  # and noise


def test_quality_measures_are_the_platforms():
    assert psnr is quality.psnr and ms_ssim is quality.ms_ssim


def test_rd_points_measure_the_bytes_and_the_reconstruction():
    codec = TableCodec(LADDER)
    expected = [(0.5, db(16)), (1.0, db(8)), (2.0, db(4))]
    np.testing.assert_allclose(rd_points(codec, GREY), expected)
    np.testing.assert_allclose(rd_points(codec, GREY, qualities=[16]), [expected[-1]])


def test_psnr_at_bpp_interpolates_in_log_bpp():
    codec = TableCodec(LADDER)
    assert psnr_at_bpp(codec, GREY, 1.0) == pytest.approx(db(8))
    assert psnr_at_bpp(codec, GREY, np.sqrt(0.5)) == pytest.approx((db(16) + db(8)) / 2)  # halfway in log bpp
    assert psnr_at_bpp(codec, GREY, 2**0.25) == pytest.approx(0.75 * db(8) + 0.25 * db(4))


@pytest.mark.parametrize("target", [0.25, 0.5 - 1e-9, 2.0 + 1e-9, 4.0])
def test_psnr_at_bpp_refuses_to_extrapolate(target):
    with pytest.raises(AssertionError, match="does not bracket"):
        psnr_at_bpp(TableCodec(LADDER), GREY, target)


def test_ladder_check_passes_a_monotonic_ladder_and_names_what_fails():
    assert_ladder_increases(TableCodec(LADDER), {"grey": GREY})
    with pytest.raises(AssertionError, match="PSNR does not increase .* on image flat"):
        assert_ladder_increases(TableCodec({4: 16, 8: 4, 16: 8}), {"flat": GREY})
    with pytest.raises(AssertionError, match="bpp does not increase .* on image 0"):
        assert_ladder_increases(TableCodec({8: 16, 4: 8, 16: 4}), [GREY])  # PSNR alone does increase


def test_round_trip_returns_the_bitstream_and_checks_shape_and_dtype():
    data, decoded = assert_round_trip(TableCodec(LADDER), GREY, 8)
    assert data == bytes(8)
    np.testing.assert_array_equal(decoded, GREY + 8)

    class Float(TableCodec):
        def decode(self, data: bytes) -> np.ndarray:
            return super().decode(data).astype(np.float32)

    class Cropped(TableCodec):
        def decode(self, data: bytes) -> np.ndarray:
            return super().decode(data)[:-1]

    class Empty(TableCodec):
        def encode(self, image: np.ndarray, quality: int) -> bytes:
            return b""

    for broken, message in ((Float, "float32"), (Cropped, r"\(7, 8, 3\)"), (Empty, "empty")):
        with pytest.raises(AssertionError, match=message):
            assert_round_trip(broken(LADDER), GREY, 8)


def test_beats_compares_mean_psnr_at_the_target_with_a_margin():
    better, worse = TableCodec({4: 8, 8: 4}), TableCodec({4: 16, 8: 8})  # 20 log10(2) = 6.02 dB apart
    assert_beats_at_bpp(better, worse, [GREY, GREY], 0.75, margin_db=6.0)
    with pytest.raises(AssertionError, match="expected a lead of more than 6.1 dB"):
        assert_beats_at_bpp(better, worse, [GREY], 0.75, margin_db=6.1)
    with pytest.raises(AssertionError):
        assert_beats_at_bpp(worse, better, [GREY], 0.75, margin_db=-6.0)


def test_registered_codec_returns_it_or_skips(fixture_plugins, monkeypatch):
    monkeypatch.delenv("OODNIC_REQUIRE_BINARIES", raising=False)
    codec = registered_codec("quant")
    assert codec.name == "quant"
    with pytest.raises(pytest.skip.Exception, match="nope codec is not registered"):
        registered_codec("nope")
    monkeypatch.setattr(type(codec), "unavailable_reason", lambda self: "libquant missing")
    with pytest.raises(pytest.skip.Exception, match="quant codec is unavailable: libquant missing"):
        registered_codec("quant")


def test_registered_codec_fails_instead_of_skipping_when_binaries_are_required(fixture_plugins, monkeypatch):
    monkeypatch.setenv("OODNIC_REQUIRE_BINARIES", "1")
    with pytest.raises(pytest.fail.Exception, match="nope codec is not registered"):
        registered_codec("nope")
    assert registered_codec("quant").name == "quant"


# --- the conformance kit: good fixtures pass it, and each check catches a fixture broken on purpose ---

class SeededNoise(Corruption):
    name = "kit-noise"
    frequency = "high"

    def apply(self, image, severity, rng):
        check_rgb(image, self.name)
        if severity not in self.severities:
            raise ValueError(f"{self.name}: severity must be one of 1..5, not {severity!r}")
        return np.clip(image + rng.normal(0, 4.0 * severity, image.shape), 0, 255).astype(np.uint8)


class Darken(SeededNoise):
    name = "kit-darken"
    frequency = "low"

    def apply(self, image, severity, rng):
        out = super().apply(image, severity, np.random.default_rng(0))  # the checks, then discard the noise
        return (image // (severity + 1) + out * 0).astype(np.uint8)


class MaxAbsError(Metric):
    name = "kit-max.abs"

    def compute(self, sample):
        return {"error": float(np.abs(sample.input.astype(int) - sample.reconstruction).max()), "Pixels": 1.0}


class MeanAbsError(Metric):
    """Accumulates the mean absolute error image: sums and a count, finalized to the mean."""

    name = "kit-mean-abs"
    accumulates = True
    scale = 1.0

    def settings(self):
        return {"scale": self.scale}

    def accumulate(self, sample):
        error = np.abs(sample.input.astype(np.float64) - sample.reconstruction) * self.scale
        return {"sum": error, "count": np.array(1.0)}

    def finalize(self, total):
        return {"mean": total["sum"] / total["count"]}


class TestQuantPassesTheCodecContract(CodecContract):
    codec = QuantCodec()


class TestCorruptionsPassTheContract(CorruptionContract):
    corruption = [SeededNoise(), Darken()]
    stochastic = {"kit-noise"}


class TestMetricsPassTheContract(MetricContract):
    metric = [MaxAbsError(), MeanAbsError()]


def caught(contract, test: str, subject, match: str) -> None:
    """Run one contract test on a broken subject; it must fail with ``match`` in its message."""
    with pytest.raises(AssertionError, match=match):
        getattr(contract, test)(subject)


class Counter(QuantCodec):
    calls = 0

    def encode(self, image, quality):
        Counter.calls += 1
        data = super().encode(image, quality)
        return data[:9] + bytes([Counter.calls % 256]) + data[9:]

    def decode(self, data):
        return super().decode(data[:9] + data[10:])


class Unchecked(QuantCodec):
    def encode(self, image, quality):
        h, w = image.shape[:2]
        return np.array([h, w], dtype="<u4").tobytes() + bytes([8 - quality]) + zlib.compress((image >> 8 - quality).tobytes())


class Floats(QuantCodec):
    def decode(self, data):
        return super().decode(data).astype(np.float32)


class TinyCrash(QuantCodec):
    def encode(self, image, quality):
        return super().encode(image, quality) + bytes(64 // (image.shape[0] - 1))


class Unstable(QuantCodec):
    def fingerprint(self, qualities=None):
        return {"clock": str(time.perf_counter_ns())}


class LooseBatch(QuantCodec):
    def encode_batch(self, images, quality):
        return [self.encode(image, quality - 1) for image in images]


class Lenient(QuantCodec):
    """Checks the type of a quality but not its range."""

    def check_quality(self, quality):
        if isinstance(quality, bool) or not isinstance(quality, int):
            raise ValueError(f"quant quality must be an integer, not {quality!r}")


class Forgetful(QuantCodec):
    level = "low"
    setting_choices = {"level": ("low", "high")}

    def settings(self):
        return {"level": "low"}


CODEC_FAILURES = [
    (type("Refused", (QuantCodec,), {"qualities": (2, 4, 40)}), "test_registration_is_accepted", "at registration"),
    (Floats, "test_round_trip_keeps_shape_and_dtype", "decoded float32"),
    (Counter, "test_encode_and_decode_are_deterministic", "different bytes"),
    (TinyCrash, "test_odd_and_small_images_are_coded_or_refused", "1x1 image: raised ZeroDivisionError"),
    (Unchecked, "test_bad_input_is_refused_with_one_line", r"encode\(an HxW image\): accepted"),
    (type("Unordered", (QuantCodec,), {"qualities": (2, 6, 4)}), "test_ladder_increases_in_rate", "bpp does not"),
    (Lenient, "test_quality_range_is_enforced", r"check_quality\(-6\): accepted"),
    (Forgetful, "test_settings_are_recorded", r"configure\(level='high'\) is not recorded"),
    (Unstable, "test_fingerprint_is_stable", "changed between two calls"),
    (LooseBatch, "test_batch_equals_one_by_one", "encode_batch differs"),
]


@pytest.mark.parametrize("broken, test, message", CODEC_FAILURES, ids=lambda v: getattr(v, "__name__", None))
def test_the_codec_contract_catches(broken, test, message):
    caught(CodecContract(), test, broken(), message)


class ShapeChanging(SeededNoise):
    def apply(self, image, severity, rng):
        return super().apply(image, severity, rng)[:-1]


class GlobalDraws(SeededNoise):
    def apply(self, image, severity, rng):
        return super().apply(image, severity, np.random.default_rng(np.random.randint(1 << 30)))


class NoChecks(Corruption):
    name = "kit-unchecked"

    def apply(self, image, severity, rng):
        return image // 2


class Identity(SeededNoise):
    def apply(self, image, severity, rng):
        super().apply(image, severity, rng)
        return image.copy()


CORRUPTION_FAILURES = [
    (type("BadFrequency", (SeededNoise,), {"frequency": "mid"}), "test_registration_is_accepted", "registration"),
    (ShapeChanging, "test_every_severity_keeps_shape_and_dtype", r"expected uint8 \(48, 64, 3\)"),
    (Identity, "test_every_severity_keeps_shape_and_dtype", "unchanged at every severity"),
    (GlobalDraws, "test_same_seed_same_output_and_global_generators_untouched", "same seed, different output"),
    (Darken, "test_another_seed_changes_only_stochastic_output", "declared stochastic"),
    (SeededNoise, "test_bad_input_is_refused_with_one_line", None),
    (NoChecks, "test_bad_input_is_refused_with_one_line", "accepted"),
]


@pytest.mark.parametrize("broken, test, message", CORRUPTION_FAILURES, ids=lambda v: getattr(v, "__name__", None))
def test_the_corruption_contract_catches(broken, test, message):
    contract = CorruptionContract()
    contract.stochastic = True
    if message is None:  # the good fixture passes the check that its broken sibling fails
        getattr(contract, test)(broken())
    else:
        caught(contract, test, broken(), message)


def test_a_corruption_that_ignores_its_generator_is_caught_when_declared_deterministic():
    contract = CorruptionContract()
    contract.stochastic = False
    caught(contract, "test_another_seed_changes_only_stochastic_output", SeededNoise(), "declared deterministic")
    contract.stochastic = None
    with pytest.raises(TypeError, match="declare stochastic"):
        contract.test_another_seed_changes_only_stochastic_output(SeededNoise())


class PythonRandom(SeededNoise):
    def apply(self, image, severity, rng):
        random.random()
        return super().apply(image, severity, rng)


def test_the_corruption_contract_catches_python_random():
    caught(CorruptionContract(), "test_same_seed_same_output_and_global_generators_untouched", PythonRandom(),
           "Python's random module")


class MeanNoCount(MeanAbsError):
    def accumulate(self, sample):
        return {"mean": super().accumulate(sample)["sum"]}

    def finalize(self, total):
        return {"mean": total["mean"]}


class Stateful(MeanAbsError):
    seen = 0

    def accumulate(self, sample):
        Stateful.seen += 1
        return {"sum": super().accumulate(sample)["sum"] * Stateful.seen, "count": np.array(1.0)}


class Infinite(MaxAbsError):
    def compute(self, sample):
        return float("inf")


class Colliding(MaxAbsError):
    def compute(self, sample):
        return {"a-b": 1.0, "a.b": 2.0}


class Jittery(MaxAbsError):
    def compute(self, sample):
        return random.random()


class Silent(MaxAbsError):
    def compute(self, sample):
        return None


METRIC_FAILURES = [
    (type("Reserved", (MaxAbsError,), {"name": "status"}), "test_registration_is_accepted", "registration"),
    (MeanNoCount, "test_contributions_are_additive", "counted twice finalizes unlike once"),
    (Stateful, "test_contributions_are_additive", "depend on what was accumulated before"),
    (Infinite, "test_compute_gives_finite_values_in_valid_columns", "expected a finite number"),
    (Colliding, "test_compute_gives_finite_values_in_valid_columns", "share kit_max_abs_a_b"),
    (Silent, "test_compute_gives_finite_values_in_valid_columns", "returned None"),
    (Jittery, "test_compute_is_deterministic", "differs on the same sample"),
    (type("Forgets", (MeanAbsError,), {"setting_ranges": {"scale": (0.0, 10.0)}, "settings": lambda self: {"scale": 1.0}}),
     "test_settings_are_recorded", r"configure\(scale=0.0\) is not recorded"),
]


@pytest.mark.parametrize("broken, test, message", METRIC_FAILURES, ids=lambda v: getattr(v, "__name__", None))
def test_the_metric_contract_catches(broken, test, message):
    caught(MetricContract(), test, broken(), message)


def test_a_total_reporting_metric_may_opt_out_of_the_mean_check():
    contract = MetricContract()
    contract.finalize_is_mean = False
    contract.test_contributions_are_additive(MeanNoCount())


def test_contract_classes_parametrise_over_lists_and_skip_unavailable_codecs(tmp_path):
    (tmp_path / "test_kit.py").write_text(textwrap.dedent("""
        from oodnic_platform.testing import CodecContract, CorruptionContract, QuantCodec

        class Missing(QuantCodec):
            name = "missing"
            def unavailable_reason(self):
                return "libmissing is not installed"

        class TestTwo(CodecContract):
            codec = [QuantCodec(), Missing()]

    """))
    (tmp_path / "test_undeclared.py").write_text(textwrap.dedent("""
        from oodnic_platform.testing import CorruptionContract

        class TestUndeclared(CorruptionContract):
            pass
    """))
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                          "--continue-on-collection-errors", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert "10 passed, 10 skipped" in out.stdout, out.stdout
    assert "missing is unavailable: libmissing is not installed" in out.stdout
    assert "TestUndeclared: set the class attribute corruption" in out.stdout
