"""The avif codec against direct pillow-avif-plugin calls, its settings, and RD on Kodak."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from oodnic_platform import Codec, get_registry, read_image
from oodnic_avif import AvifCodec

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
    data = codec.encode(image, 45)
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
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    np.testing.assert_array_equal(decoded, expected_image)


def test_defaults_and_settings_are_recorded(image):
    codec = AvifCodec()
    assert codec.settings() == {
        "encoder": "aom", "speed": 6, "subsampling": "4:4:4", "threads": 1, "aom_tune": "psnr",
        "pipeline": codec.pipeline,
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
    with pytest.raises(ValueError, match="fixed"):
        AvifCodec().configure(pipeline="BT.709")


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["avif"], AvifCodec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    codec = AvifCodec()
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
    ours = np.mean([psnr_at_bpp(AvifCodec(), image, 0.5) for image in images])
    theirs = np.mean([psnr_at_bpp(jpeg2000, image, 0.5) for image in images])
    assert ours > theirs + 0.3, (ours, theirs)
