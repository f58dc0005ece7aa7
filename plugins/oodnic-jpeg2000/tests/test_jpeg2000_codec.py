"""The jpeg2000 codec against direct Pillow/OpenJPEG calls, its rate control, and RD on Kodak."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import (
    assert_beats_at_bpp,
    assert_ladder_increases,
    assert_round_trip,
    bpp,
    registered_codec,
    synthetic_image,
)
from oodnic_jpeg2000 import Jpeg2000Codec

RD_IMAGES = ("kodim04.png", "kodim15.png", "kodim23.png")


@pytest.fixture
def image() -> np.ndarray:
    return synthetic_image()


def test_round_trip_matches_openjpeg_through_pillow(image):
    data, decoded = assert_round_trip(Jpeg2000Codec(), image, 1.5)
    buffer = io.BytesIO()
    Image.fromarray(image).save(
        buffer, format="JPEG2000", no_jp2=True, quality_mode="rates", quality_layers=[16.0], irreversible=True, mct=1
    )
    assert data == buffer.getvalue()
    assert data[:4] == b"\xff\x4f\xff\x51"  # raw codestream: SOC then SIZ, no JP2 boxes
    expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    np.testing.assert_array_equal(decoded, expected)


def test_quality_is_a_rate_target(kodak_dir):
    image = read_image(kodak_dir / "kodim05.png")
    for target in (0.25, 1.0):
        assert bpp(Jpeg2000Codec().encode(image, target), image) == pytest.approx(target, rel=0.02)


def test_settings_are_fixed_and_bad_rates_refused(image):
    codec = Jpeg2000Codec()
    assert "9/7" in codec.settings()["mode"] and "ICT" in codec.settings()["pipeline"]
    with pytest.raises(ValueError, match="fixed"):
        codec.configure(mode="lossless")
    with pytest.raises(ValueError, match="bpp"):
        codec.encode(image, 0)
    assert "OpenJPEG" in codec.version() and codec.unavailable_reason() is None


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["jpeg2000"], Jpeg2000Codec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    crops = {name: read_image(kodak_dir / name)[128:384, 256:512] for name in ("kodim04.png", "kodim23.png")}
    assert_ladder_increases(Jpeg2000Codec(), crops)


def test_beats_jpeg_at_half_a_bit_per_pixel(kodak_dir):
    images = [read_image(kodak_dir / name) for name in RD_IMAGES]
    assert_beats_at_bpp(Jpeg2000Codec(), registered_codec("jpeg"), images, 0.5, margin_db=1.0)
