"""The webp codec: the conformance kit, against direct imagecodecs/libwebp calls, its settings, its ladder on Kodak."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest

from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import CodecContract, assert_ladder_increases, assert_round_trip, synthetic_image
from oodnic_webp import WebpCodec


class TestContract(CodecContract):
    codec = WebpCodec()


@pytest.fixture
def image() -> np.ndarray:
    return synthetic_image()


@pytest.mark.parametrize("method", [4, 6])
def test_round_trip_matches_libwebp(image, method):
    data, decoded = assert_round_trip(WebpCodec().configure(method=method), image, 40)
    expected = imagecodecs.webp_encode(image, level=40, lossless=False, method=method)
    assert data == expected
    assert data[:4] == b"RIFF" and data[12:16] == b"VP8 "  # lossy VP8, not VP8L
    np.testing.assert_array_equal(decoded, imagecodecs.webp_decode(expected))


def test_views_with_strides_are_accepted(image):
    flipped = image[:, ::-1]
    assert WebpCodec().encode(flipped, 40) == WebpCodec().encode(np.ascontiguousarray(flipped), 40)


def test_settings_are_recorded_and_checked(image):
    assert WebpCodec().recorded_settings() == {"method": 4, "pipeline": WebpCodec.fixed_settings["pipeline"]}
    assert WebpCodec().configure(method=0).encode(image, 40) != WebpCodec().encode(image, 40)
    with pytest.raises(ValueError, match=r"method must be in 0\.\.6"):
        WebpCodec().configure(method=7)
    with pytest.raises(ValueError, match=r"0\.\.100, not 101"):
        WebpCodec().check_quality(101)
    assert "libwebp" in WebpCodec().version() and WebpCodec().unavailable_reason() is None


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["webp"], WebpCodec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    crops = {name: read_image(kodak_dir / name)[128:384, 256:512] for name in ("kodim04.png", "kodim23.png")}
    assert_ladder_increases(WebpCodec(), crops)
