"""The webp codec against direct imagecodecs/libwebp calls, its settings, and its ladder on Kodak."""

from __future__ import annotations

import imagecodecs
import numpy as np
import pytest

from oodnic_platform import get_registry, read_image
from oodnic_webp import WebpCodec


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


@pytest.mark.parametrize("method", [4, 6])
def test_round_trip_matches_libwebp(image, method):
    codec = WebpCodec().configure(method=method)
    data = codec.encode(image, 40)
    expected = imagecodecs.webp_encode(image, level=40, lossless=False, method=method)
    assert data == expected
    assert data[:4] == b"RIFF" and data[12:16] == b"VP8 "  # lossy VP8, not VP8L
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, imagecodecs.webp_decode(expected))


def test_views_with_strides_are_accepted(image):
    flipped = image[:, ::-1]
    assert WebpCodec().encode(flipped, 40) == WebpCodec().encode(np.ascontiguousarray(flipped), 40)


def test_settings_are_recorded_and_checked(image):
    assert WebpCodec().settings()["method"] == 4
    assert WebpCodec().configure(method=0).encode(image, 40) != WebpCodec().encode(image, 40)
    with pytest.raises(ValueError, match="method"):
        WebpCodec().configure(method=7)
    with pytest.raises(ValueError, match="fixed"):
        WebpCodec().configure(pipeline="lossless")
    with pytest.raises(ValueError, match="0-100"):
        WebpCodec().encode(image, 101)
    assert "libwebp" in WebpCodec().version() and WebpCodec().unavailable_reason() is None


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["webp"], WebpCodec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    codec = WebpCodec()
    for name in ("kodim04.png", "kodim23.png"):
        image = read_image(kodak_dir / name)[128:384, 256:512]
        points = []
        for quality in codec.qualities:
            data = codec.encode(image, quality)
            points.append((len(data) * 8 / (image.shape[0] * image.shape[1]), psnr(image, codec.decode(data))))
        bpp, quality_db = np.array(points).T
        assert np.all(np.diff(bpp) > 0), (name, bpp)
        assert np.all(np.diff(quality_db) > 0), (name, quality_db)
