"""The jpeg codec against direct Pillow calls, its settings, and its ladder on Kodak."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from oodnic_platform import get_registry, read_image
from oodnic_jpeg import JpegCodec


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


@pytest.fixture
def image() -> np.ndarray:
    """Odd-sized, smooth plus noise, deterministic."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:45, 0:67]
    base = np.stack([x * 3, y * 5, (x + y) * 2], axis=-1)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


def pillow_round_trip(image: np.ndarray, **options) -> tuple[bytes, np.ndarray]:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", **options)
    data = buffer.getvalue()
    return data, np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize("subsampling, code", [("4:2:0", 2), ("4:4:4", 0)])
def test_round_trip_matches_pillow(image, subsampling, code):
    codec = JpegCodec().configure(subsampling=subsampling)
    data = codec.encode(image, 40)
    expected_data, expected_image = pillow_round_trip(image, quality=40, subsampling=code)
    assert data == expected_data
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, expected_image)


def test_subsampling_is_recorded_and_changes_the_bitstream(image):
    codec = JpegCodec()
    full = codec.configure(subsampling="4:4:4")
    assert codec.settings()["subsampling"] == "4:2:0"
    assert full.settings()["subsampling"] == "4:4:4"
    assert len(full.encode(image, 60)) > len(codec.encode(image, 60))


def test_bad_settings_and_qualities_are_refused(image):
    with pytest.raises(ValueError, match="subsampling"):
        JpegCodec().configure(subsampling="4:2:2")
    with pytest.raises(ValueError, match="fixed"):
        JpegCodec().configure(pipeline="something else")
    with pytest.raises(ValueError, match="1-100"):
        JpegCodec().encode(image, 0)


def test_version_names_the_library():
    from PIL import features

    assert f"libjpeg-turbo {features.version_feature('libjpeg_turbo')}" in JpegCodec().version()
    assert JpegCodec().unavailable_reason() is None


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["jpeg"], JpegCodec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    codec = JpegCodec()
    for name in ("kodim04.png", "kodim23.png"):
        image = read_image(kodak_dir / name)[128:384, 256:512]
        points = []
        for quality in codec.qualities:
            data = codec.encode(image, quality)
            points.append((len(data) * 8 / (image.shape[0] * image.shape[1]), psnr(image, codec.decode(data))))
        bpp, quality_db = np.array(points).T
        assert np.all(np.diff(bpp) > 0), (name, bpp)
        assert np.all(np.diff(quality_db) > 0), (name, quality_db)
