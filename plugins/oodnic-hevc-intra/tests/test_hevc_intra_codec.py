"""The hevc-intra codec: the conformance kit, against direct pillow-heif calls, its QP mapping, and RD on Kodak."""

from __future__ import annotations

import io

import numpy as np
import pillow_heif
import pytest

from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import (
    CodecContract,
    assert_beats_at_bpp,
    assert_ladder_increases,
    assert_round_trip,
    registered_codec,
    synthetic_image,
)
from oodnic_hevc_intra import HevcIntraCodec

RD_IMAGES = ("kodim04.png", "kodim15.png", "kodim23.png")


class TestContract(CodecContract):
    codec = HevcIntraCodec()


@pytest.fixture
def image() -> np.ndarray:
    return synthetic_image()


@pytest.mark.parametrize("subsampling, chroma, preset", [("4:4:4", "444", "placebo"), ("4:2:0", "420", "medium")])
def test_round_trip_matches_pillow_heif(image, subsampling, chroma, preset):
    data, decoded = assert_round_trip(HevcIntraCodec().configure(subsampling=subsampling, preset=preset), image, 30)
    buffer = io.BytesIO()
    pillow_heif.from_bytes("RGB", (67, 45), image.tobytes()).save(
        buffer,
        quality=50,
        enc_params={"preset": preset, "chroma": chroma, "x265:psy-rd": "0", "x265:psy-rdoq": "0", "x265:qp": "31"},
        save_nclx_profile=True,
        color_primaries=1,
        transfer_characteristics=13,
        matrix_coefficients=6,
        full_range_flag=1,
    )
    assert data == buffer.getvalue()
    np.testing.assert_array_equal(decoded, np.asarray(pillow_heif.open_heif(io.BytesIO(data))))


def test_container_is_plain_heif_with_bt601_full_range(image):
    heif = pillow_heif.open_heif(io.BytesIO(HevcIntraCodec().encode(image, 30)))
    assert heif.info["nclx_profile"]["matrix_coefficients"] == 6
    assert heif.info["nclx_profile"]["full_range_flag"] == 1
    assert heif.info["chroma"] == 444  # libheif's heif_chroma_444


def test_quality_is_a_qp_and_out_of_range_qps_are_refused(image):
    codec = HevcIntraCodec()
    assert codec.encoder_parameters(0)["x265:qp"] == "1"
    assert codec.encoder_parameters(50)["x265:qp"] == "51"
    assert len(codec.encode(image, 20)) > len(codec.encode(image, 40))
    with pytest.raises(ValueError, match=r"0\.\.50, not 51"):
        codec.check_quality(51)


def test_placebo_refuses_frames_x265_cannot_open_and_other_presets_code_them():
    tiny = synthetic_image(16, 40)
    with pytest.raises(ValueError, match="placebo needs 32 pixels on each side.* got 40x16"):
        HevcIntraCodec().encode(tiny, 30)
    codec = HevcIntraCodec().configure(preset="veryslow")
    assert codec.decode(codec.encode(tiny, 30)).shape == tiny.shape


def test_bad_settings_are_refused_and_good_ones_recorded():
    assert HevcIntraCodec().configure(subsampling="4:2:0").settings()["subsampling"] == "4:2:0"
    with pytest.raises(ValueError, match="subsampling"):
        HevcIntraCodec().configure(subsampling="4:2:2")
    with pytest.raises(ValueError, match="preset"):
        HevcIntraCodec().configure(preset="ludicrous")
    assert "x265" in HevcIntraCodec().version() and HevcIntraCodec().unavailable_reason() is None


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["hevc-intra"], HevcIntraCodec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    crops = {name: read_image(kodak_dir / name)[128:384, 256:512] for name in ("kodim04.png", "kodim23.png")}
    assert_ladder_increases(HevcIntraCodec(), crops)


def test_beats_jpeg2000_at_half_a_bit_per_pixel(kodak_dir):
    images = [read_image(kodak_dir / name) for name in RD_IMAGES]
    assert_beats_at_bpp(HevcIntraCodec(), registered_codec("jpeg2000"), images, 0.5, margin_db=0.3)
