"""oodnic_platform.testing on fake codecs whose bpp and PSNR are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from oodnic_platform import Codec, quality
from oodnic_platform.testing import (
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
    codec = registered_codec("quant")
    assert codec.name == "quant"
    with pytest.raises(pytest.skip.Exception, match="nope codec is not registered"):
        registered_codec("nope")
    monkeypatch.setattr(type(codec), "unavailable_reason", lambda self: "libquant missing")
    with pytest.raises(pytest.skip.Exception, match="quant codec is unavailable: libquant missing"):
        registered_codec("quant")
