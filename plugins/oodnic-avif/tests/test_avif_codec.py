"""The avif codec: the conformance kit, against direct pillow-avif-plugin calls, its settings, and RD on Kodak."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import (
    CodecContract,
    assert_beats_at_bpp,
    assert_ladder_increases,
    assert_round_trip,
    registered_codec,
    synthetic_image,
)
from oodnic_avif import AvifCodec

RD_IMAGES = ("kodim04.png", "kodim15.png", "kodim23.png")


class TestContract(CodecContract):
    codec = AvifCodec()


@pytest.fixture
def image() -> np.ndarray:
    return synthetic_image()


def library_round_trip(image: np.ndarray, **options) -> tuple[bytes, np.ndarray]:
    import pillow_avif  # noqa: F401  (registers pillow-avif-plugin as Pillow's AVIF handler)

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="AVIF", range="full", **options)
    data = buffer.getvalue()
    return data, np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"encoder": "aom", "subsampling": "4:2:0", "speed": 8, "aom_tune": "ssim"},
        {"encoder": "svt", "subsampling": "4:2:0"},
        {"encoder": "rav1e", "subsampling": "4:4:4", "speed": 10},
    ],
)
def test_round_trip_matches_pillow_avif_plugin(image, settings):
    codec = AvifCodec().configure(**settings)
    if codec.unavailable_reason():
        pytest.skip(codec.unavailable_reason())
    data, decoded = assert_round_trip(codec, image, 45)
    s = codec.settings()
    advanced = {"tune": s["aom_tune"]} if s["encoder"] == "aom" else None
    expected_data, expected_image = library_round_trip(
        image,
        quality=45,
        speed=s["speed"],
        subsampling=s["subsampling"],
        codec=s["encoder"],
        max_threads=s["threads"],
        advanced=advanced,
    )
    assert data == expected_data
    np.testing.assert_array_equal(decoded, expected_image)


def test_defaults_and_settings_are_recorded(image):
    codec = AvifCodec()
    assert codec.recorded_settings() == {
        "encoder": "aom", "speed": 6, "subsampling": "4:4:4", "threads": 1, "aom_tune": "psnr",
        "pipeline": codec.fixed_settings["pipeline"],
    }
    assert "aom" in codec.version() and "libavif" in codec.version()
    subsampled = codec.configure(subsampling="4:2:0")
    assert subsampled.settings()["subsampling"] == "4:2:0"
    assert subsampled.encode(image, 60) != codec.encode(image, 60)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="encoder"):
        AvifCodec().configure(encoder="x265")
    with pytest.raises(ValueError, match="svt"):
        AvifCodec().configure(encoder="svt")  # default 4:4:4, which SVT-AV1 cannot code
    with pytest.raises(ValueError, match="speed"):
        AvifCodec().configure(speed=11)
    with pytest.raises(ValueError, match="aom_tune"):
        AvifCodec().configure(aom_tune="vmaf")
    with pytest.raises(ValueError, match="pipeline is fixed"):
        AvifCodec().configure(pipeline="BT.709")
    with pytest.raises(ValueError, match="threads must be at least 1"):
        AvifCodec().configure(threads=0)


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["avif"], AvifCodec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    crops = {name: read_image(kodak_dir / name)[128:384, 256:512] for name in ("kodim04.png", "kodim23.png")}
    assert_ladder_increases(AvifCodec(), crops)


def test_beats_jpeg2000_at_half_a_bit_per_pixel(kodak_dir):
    images = [read_image(kodak_dir / name) for name in RD_IMAGES]
    assert_beats_at_bpp(AvifCodec(), registered_codec("jpeg2000"), images, 0.5, margin_db=0.3)
