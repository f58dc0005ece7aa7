"""The jpeg codec: the conformance kit, against direct Pillow calls, its settings, and its ladder on Kodak."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import CodecContract, assert_ladder_increases, assert_round_trip, synthetic_image
from oodnic_jpeg import JpegCodec


class TestContract(CodecContract):
    codec = JpegCodec()


@pytest.fixture
def image() -> np.ndarray:
    return synthetic_image()


def pillow_round_trip(image: np.ndarray, **options) -> tuple[bytes, np.ndarray]:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", **options)
    data = buffer.getvalue()
    return data, np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize("subsampling, code", [("4:2:0", 2), ("4:4:4", 0)])
def test_round_trip_matches_pillow(image, subsampling, code):
    data, decoded = assert_round_trip(JpegCodec().configure(subsampling=subsampling), image, 40)
    expected_data, expected_image = pillow_round_trip(image, quality=40, subsampling=code)
    assert data == expected_data
    np.testing.assert_array_equal(decoded, expected_image)


def test_subsampling_is_recorded_and_changes_the_bitstream(image):
    codec = JpegCodec()
    full = codec.configure(subsampling="4:4:4")
    assert codec.settings()["subsampling"] == "4:2:0"
    assert full.settings()["subsampling"] == "4:4:4"
    assert len(full.encode(image, 60)) > len(codec.encode(image, 60))


def test_bad_settings_and_qualities_are_refused():
    with pytest.raises(ValueError, match="subsampling must be one of 4:4:4, 4:2:0"):
        JpegCodec().configure(subsampling="4:2:2")
    with pytest.raises(ValueError, match="pipeline is fixed"):
        JpegCodec().configure(pipeline="something else")
    with pytest.raises(ValueError, match=r"1\.\.100, not 0"):
        JpegCodec().check_quality(0)


def test_version_names_the_library():
    from PIL import features

    assert f"libjpeg-turbo {features.version_feature('libjpeg_turbo')}" in JpegCodec().version()
    assert JpegCodec().unavailable_reason() is None


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["jpeg"], JpegCodec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    crops = {name: read_image(kodak_dir / name)[128:384, 256:512] for name in ("kodim04.png", "kodim23.png")}
    assert_ladder_increases(JpegCodec(), crops)
