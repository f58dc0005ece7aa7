"""The plugin contract: the conformance kit, registration, seeding across processes, odd inputs. No data set needed."""

from __future__ import annotations

import hashlib
import importlib.metadata
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import oodnic_imagenet_c
from oodnic_imagenet_c import CORRUPTIONS, textures
from oodnic_platform import derive_rng
from oodnic_platform.testing import CorruptionContract

FREQUENCIES = {
    "low": {"snow", "frost", "fog", "brightness", "contrast"},
    "medium": {
        "motion_blur", "zoom_blur", "defocus_blur", "glass_blur", "elastic_transform", "jpeg_compression", "pixelate",
    },
    "high": {"gaussian_noise", "shot_noise", "impulse_noise"},
}
STOCHASTIC = {
    "gaussian_noise", "shot_noise", "impulse_noise", "glass_blur", "motion_blur", "snow", "frost", "fog",
    "elastic_transform",
}


class TestContract(CorruptionContract):
    corruption = [c() for c in CORRUPTIONS]
    stochastic = STOCHASTIC


def photo(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth colour gradient with texture: a stand-in photograph."""
    rows, cols = np.mgrid[0:height, 0:width]
    base = np.stack([rows * 200 / max(height, 1), cols * 200 / max(width, 1), (rows + cols) % 97 * 2], axis=-1)
    noise = np.random.default_rng(seed).normal(0, 12, base.shape)
    return np.clip(base + 30 + noise, 0, 255).astype(np.uint8)


def all_corruptions():
    return [c() for c in CORRUPTIONS]


def test_the_fifteen_are_registered_through_the_entry_point_in_their_frequency_groups():
    (entry_point,) = importlib.metadata.entry_points(group="oodnic_platform", name="imagenet-c")
    registered: list = []
    entry_point.load().register_corruptions(registered.append)
    by_name = {c.name: c for c in registered}
    assert len(by_name) == len(registered) == 15
    for frequency, names in FREQUENCIES.items():
        for name in names:
            assert by_name[name].frequency == frequency, name
    assert "oodnic-imagenet-c" in by_name["fog"].version()


def _digest(seed: int) -> str:
    image = photo(33, 47)
    digest = hashlib.sha256()
    for corruption in all_corruptions():
        for severity in (1, 5):
            digest.update(corruption.apply(image, severity, derive_rng(seed, corruption.name, severity)).tobytes())
    return digest.hexdigest()


def test_bit_identical_in_another_process():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from test_imagenet_c_contract import _digest; print(_digest(7))"
    )
    here = str(__import__("pathlib").Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", code, here], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == _digest(7)


@pytest.mark.parametrize("shape", [(1, 1), (2, 2), (7, 9), (37, 53), (1, 40), (40, 1)])
def test_tiny_and_odd_sizes_give_an_image(shape):
    image = photo(*shape)
    for corruption in all_corruptions():
        for severity in corruption.severities:
            out = corruption.apply(image, severity, derive_rng(0, corruption.name, severity))
            assert out.shape == image.shape and out.dtype == np.uint8, (corruption.name, severity)


def test_grayscale_inputs_become_grey_rgb():
    gray = photo(37, 53)[..., 0]
    for corruption in all_corruptions():
        from_2d = corruption.apply(gray, 2, derive_rng(0, "g"))
        from_1 = corruption.apply(gray[..., None], 2, derive_rng(0, "g"))
        from_rgb = corruption.apply(np.repeat(gray[..., None], 3, axis=2), 2, derive_rng(0, "g"))
        assert from_2d.shape == (37, 53, 3)
        assert np.array_equal(from_2d, from_1) and np.array_equal(from_2d, from_rgb), corruption.name


@pytest.mark.parametrize(
    "image, severity, message",
    [
        (np.zeros((8, 8, 3), np.float32), 1, "uint8"),
        (np.zeros((8, 8, 3, 1), np.uint8), 1, "HxWx3"),
        (np.zeros((0, 8, 3), np.uint8), 1, "non-empty"),
        (np.zeros((8, 8, 3), np.uint8), True, "severity"),
        (np.zeros((8, 8, 3), np.uint8), 2.0, "severity"),
    ],
)
def test_bad_inputs_raise_one_clear_value_error(image, severity, message):
    for corruption in all_corruptions():
        with pytest.raises(ValueError, match=message):
            corruption.apply(image, severity, derive_rng(0))


def test_frost_without_imagecorruptions_says_what_to_install(monkeypatch):
    monkeypatch.setattr(textures.importlib.util, "find_spec", lambda name: None)
    textures.texture.cache_clear()
    textures.fitted.cache_clear()
    try:
        with pytest.raises(textures.FrostTexturesMissing, match="pip install imagecorruptions"):
            oodnic_imagenet_c.Frost().apply(photo(20, 20), 1, derive_rng(0))
    finally:
        textures.texture.cache_clear()
        textures.fitted.cache_clear()


def test_pixelate_is_pillow_box_down_then_nearest_up():
    image = photo(37, 53)
    out = oodnic_imagenet_c.Pixelate().apply(image, 5, derive_rng(0))
    expected = Image.fromarray(image).resize((13, 9), Image.BOX).resize((53, 37), Image.NEAREST)
    assert np.array_equal(out, np.asarray(expected))
