"""The hevc-intra codec against direct pillow-heif calls, its QP mapping, and RD on Kodak."""

from __future__ import annotations

import io

import numpy as np
import pillow_heif
import pytest

from oodnic_platform import Codec, get_registry, read_image
from oodnic_hevc_intra import HevcIntraCodec

RD_IMAGES = ("kodim04.png", "kodim15.png", "kodim23.png")


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def bpp(data: bytes, image: np.ndarray) -> float:
    return len(data) * 8 / (image.shape[0] * image.shape[1])


def psnr_at_bpp(codec: Codec, image: np.ndarray, target: float) -> float:
    """PSNR at ``target`` bpp, interpolated linearly in log(bpp) along the codec's ladder."""
    previous = None
    for quality in codec.qualities:
        data = codec.encode(image, quality)
        point = (np.log(bpp(data, image)), psnr(image, codec.decode(data)))
        if point[0] >= np.log(target) and previous is not None:
            return float(np.interp(np.log(target), [previous[0], point[0]], [previous[1], point[1]]))
        previous = point
    raise AssertionError(f"{codec.name}'s ladder does not bracket {target} bpp")


@pytest.fixture
def image() -> np.ndarray:
    """Odd-sized, smooth plus noise, deterministic."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:45, 0:67]
    base = np.stack([x * 3, y * 5, (x + y) * 2], axis=-1)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("subsampling, chroma, preset", [("4:4:4", "444", "placebo"), ("4:2:0", "420", "medium")])
def test_round_trip_matches_pillow_heif(image, subsampling, chroma, preset):
    codec = HevcIntraCodec().configure(subsampling=subsampling, preset=preset)
    data = codec.encode(image, 30)
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
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
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
    with pytest.raises(ValueError, match="0-50"):
        codec.encode(image, 51)


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
    codec = HevcIntraCodec()
    for name in ("kodim04.png", "kodim23.png"):
        image = read_image(kodak_dir / name)[128:384, 256:512]
        points = []
        for quality in codec.qualities:
            data = codec.encode(image, quality)
            points.append((bpp(data, image), psnr(image, codec.decode(data))))
        rates, quality_db = np.array(points).T
        assert np.all(np.diff(rates) > 0), (name, rates)
        assert np.all(np.diff(quality_db) > 0), (name, quality_db)


def test_beats_jpeg2000_at_half_a_bit_per_pixel(kodak_dir):
    jpeg2000 = get_registry().codecs.get("jpeg2000")
    if jpeg2000 is None:
        pytest.skip("the jpeg2000 codec plugin (oodnic-jpeg2000) is not installed")
    images = [read_image(kodak_dir / name) for name in RD_IMAGES]
    ours = np.mean([psnr_at_bpp(HevcIntraCodec(), image, 0.5) for image in images])
    theirs = np.mean([psnr_at_bpp(jpeg2000, image, 0.5) for image in images])
    assert ours > theirs + 0.3, (ours, theirs)
