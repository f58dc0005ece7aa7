"""The jpeg2000 codec against direct Pillow/OpenJPEG calls, its rate control, and RD on Kodak."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from oodnic_platform import Codec, get_registry, read_image
from oodnic_jpeg2000 import Jpeg2000Codec

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


def test_round_trip_matches_openjpeg_through_pillow(image):
    codec = Jpeg2000Codec()
    data = codec.encode(image, 1.5)
    buffer = io.BytesIO()
    Image.fromarray(image).save(
        buffer, format="JPEG2000", no_jp2=True, quality_mode="rates", quality_layers=[16.0], irreversible=True, mct=1
    )
    assert data == buffer.getvalue()
    assert data[:4] == b"\xff\x4f\xff\x51"  # raw codestream: SOC then SIZ, no JP2 boxes
    expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
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
    codec = Jpeg2000Codec()
    for name in ("kodim04.png", "kodim23.png"):
        image = read_image(kodak_dir / name)[128:384, 256:512]
        points = []
        for quality in codec.qualities:
            data = codec.encode(image, quality)
            points.append((bpp(data, image), psnr(image, codec.decode(data))))
        rates, quality_db = np.array(points).T
        assert np.all(np.diff(rates) > 0), (name, rates)
        assert np.all(np.diff(quality_db) > 0), (name, quality_db)


def test_beats_jpeg_at_half_a_bit_per_pixel(kodak_dir):
    jpeg = get_registry().codecs.get("jpeg")
    if jpeg is None:
        pytest.skip("the jpeg codec plugin (oodnic-jpeg) is not installed")
    images = [read_image(kodak_dir / name) for name in RD_IMAGES]
    ours = np.mean([psnr_at_bpp(Jpeg2000Codec(), image, 0.5) for image in images])
    theirs = np.mean([psnr_at_bpp(jpeg, image, 0.5) for image in images])
    assert ours > theirs + 1.0, (ours, theirs)
