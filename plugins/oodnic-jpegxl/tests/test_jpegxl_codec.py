"""The jpegxl codec: the conformance kit, against direct imagecodecs/libjxl calls, its settings, its ladder on Kodak."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest

from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import CodecContract, assert_ladder_increases, assert_round_trip, synthetic_image
from oodnic_jpegxl import JpegXlCodec


class TestContract(CodecContract):
    codec = JpegXlCodec()


@pytest.fixture
def image() -> np.ndarray:
    return synthetic_image()


@pytest.mark.parametrize("effort", [7, 3])
def test_round_trip_matches_libjxl(image, effort):
    data, decoded = assert_round_trip(JpegXlCodec().configure(effort=effort), image, 2.0)
    expected = imagecodecs.jpegxl_encode(image, distance=2.0, effort=effort, lossless=False, usecontainer=False)
    assert data == expected
    assert data[:2] == b"\xff\x0a"  # bare codestream signature
    np.testing.assert_array_equal(decoded, imagecodecs.jpegxl_decode(expected))


def test_views_with_strides_are_accepted(image):
    flipped = image[:, ::-1]
    assert JpegXlCodec().encode(flipped, 2.0) == JpegXlCodec().encode(np.ascontiguousarray(flipped), 2.0)


def test_settings_are_recorded_and_checked():
    assert JpegXlCodec().settings() == {"effort": 7}
    with pytest.raises(ValueError, match=r"effort must be in 1\.\.9"):
        JpegXlCodec().configure(effort=10)
    with pytest.raises(ValueError, match="distance, 0 < d <= 25, not 0"):
        JpegXlCodec().check_quality(0)
    JpegXlCodec().check_quality(25)
    assert "libjxl" in JpegXlCodec().version() and JpegXlCodec().unavailable_reason() is None


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["jpegxl"], JpegXlCodec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    crops = {name: read_image(kodak_dir / name)[128:384, 256:512] for name in ("kodim04.png", "kodim23.png")}
    assert_ladder_increases(JpegXlCodec(), crops)
