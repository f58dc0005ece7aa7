"""The vectorised parts against the straightforward code they replace."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.ndimage as ndi
from PIL import Image

from oodnic_imagenet_c import CORRUPTIONS, glass
from oodnic_imagenet_c.filters import bilinear_reflect, clipped_zoom
from oodnic_imagenet_c.plasma import plasma_fractal
from oodnic_imagenet_c.poisson import poisson_of_levels


def reference_shuffle(image: np.ndarray, delta: int, offsets: np.ndarray) -> np.ndarray:
    """ImageNet-C's loop, verbatim (its "swap" on views is a copy)."""
    x = image.copy()
    for passes in offsets:
        for a, h in enumerate(range(x.shape[0] - delta, delta, -1)):
            for b, w in enumerate(range(x.shape[1] - delta, delta, -1)):
                dx, dy = passes[a, b]
                x[h, w], x[h + dy, w + dx] = x[h + dy, w + dx], x[h, w]
    return x


@pytest.mark.parametrize("shape", [(20, 30), (9, 9), (31, 17)])
@pytest.mark.parametrize("delta, passes", [(1, 2), (2, 3), (4, 2)])
def test_glass_shuffle_equals_the_reference_loop(shape, delta, passes):
    rng = np.random.default_rng(delta * 10 + passes)
    image = rng.integers(0, 256, shape + (3,), dtype=np.uint8)
    rows, cols = glass.visit_grid(shape, delta)
    offsets = rng.integers(-delta, delta, size=(passes, rows.size, cols.size, 2))
    assert np.array_equal(glass.shuffle(image, delta, offsets), reference_shuffle(image, delta, offsets))


ZOOM_BLUR_AND_SNOW = (*np.arange(1, 1.31, 0.03), 1.01, 2, 2.5, 3, 4, 4.5)


@pytest.mark.parametrize(
    "shape, factors",
    [
        ((512, 768), (1.09, 3)),  # 3 on 768 px: scipy's zero past-the-edge column
        ((333, 517), ZOOM_BLUR_AND_SNOW),
        ((37, 53), ZOOM_BLUR_AND_SNOW),
        ((7, 9), ZOOM_BLUR_AND_SNOW),
        ((1, 1), ZOOM_BLUR_AND_SNOW),
    ],
)
def test_clipped_zoom_equals_scipy_zoom_of_the_centre(shape, factors):
    image = np.random.default_rng(0).random(shape + (3,)).astype(np.float32)
    for factor in factors:
        crop = [int(np.ceil(n / factor)) for n in shape]
        top = [(n - c) // 2 for n, c in zip(shape, crop)]
        expected = ndi.zoom(image[top[0] : top[0] + crop[0], top[1] : top[1] + crop[1]], (factor, factor, 1), order=1)
        assert np.allclose(clipped_zoom(image, factor), expected, atol=1e-6), factor
        assert np.array_equal(clipped_zoom(image, factor, keep=shape), clipped_zoom(image, factor)[: shape[0], : shape[1]])


@pytest.mark.parametrize("shape", [(20, 30), (2, 5), (1, 1)])
def test_bilinear_reflect_equals_map_coordinates(shape):
    rng = np.random.default_rng(1)
    image = rng.random(shape + (3,)).astype(np.float32)
    rows = rng.uniform(-5, shape[0] + 4, shape)
    cols = rng.uniform(-5, shape[1] + 4, shape)
    coords = [np.repeat(rows[..., None], 3, 2), np.repeat(cols[..., None], 3, 2), np.broadcast_to(np.arange(3), shape + (3,))]
    expected = ndi.map_coordinates(image, [c.reshape(-1) for c in coords], order=1, mode="reflect").reshape(image.shape)
    assert np.allclose(bilinear_reflect(image, rows, cols), expected, atol=1e-6)


def test_poisson_of_levels_has_poisson_moments():
    levels = np.repeat(np.array([0, 1, 64, 200, 255], np.uint8), 50_000).reshape(5, -1)
    for scale in (60, 3):
        counts = poisson_of_levels(np.random.default_rng(scale), levels, scale)
        means = levels[:, 0] / 255 * scale
        assert np.allclose(counts.mean(axis=1), means, atol=4 * np.sqrt(means / 50_000) + 1e-9)
        assert np.allclose(counts.var(axis=1), means, rtol=0.05, atol=1e-9)
        assert counts.dtype.kind == "i" and counts.shape == levels.shape


def test_plasma_fractal_is_the_reference_one_given_its_stream():
    oracle = pytest.importorskip("imagenet_c_oracle", reason="needs imagecorruptions 1.1.2, the reference")
    np.random.seed(11)
    expected = oracle.functions.plasma_fractal(mapsize=64, wibbledecay=1.7)
    assert np.array_equal(plasma_fractal(64, 1.7, np.random.RandomState(11)), expected)


@pytest.mark.parametrize("shape", [(1, 1), (7, 9), (37, 53)])
def test_tiny_images_match_the_reference_functions_where_they_run(shape):
    """The reference's ``corrupt`` refuses < 32 px, but its functions run; where they do, we agree."""
    oracle = pytest.importorskip("imagenet_c_oracle", reason="needs imagecorruptions 1.1.2, the reference")
    image = np.random.default_rng(3).integers(0, 256, shape + (3,), dtype=np.uint8)
    for corruption in (c() for c in CORRUPTIONS):
        for severity in corruption.severities:
            np.random.seed(4)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    expected = np.uint8(getattr(oracle.functions, corruption.name)(Image.fromarray(image), severity))
            except ValueError:  # Pillow refuses pixelate's 0-pixel intermediate
                assert corruption.name == "pixelate"
                continue
            field = oracle.field(corruption, image, severity, 4)
            out = corruption.render(image, corruption.param(severity), field)
            assert np.abs(out.astype(np.int16) - expected).mean() < 0.1, (corruption.name, severity)
