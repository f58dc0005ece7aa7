"""Image geometry and half-plane bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest

from oodnic_spectral.geometry import HalfPlane, landscape_crop, round_mantissa, unfold


@pytest.mark.parametrize("shape", [(40, 60), (61, 90), (30, 41), (25, 70), (60, 40)])
def test_landscape_crop_is_torchvision_center_crop_after_transposing_portraits(shape):
    torch = pytest.importorskip("torch")
    from torchvision.transforms.functional import center_crop

    image = np.random.default_rng(0).integers(1, 256, (*shape, 3), dtype=np.uint8)
    landscape = image.transpose(1, 0, 2) if shape[0] > shape[1] else image
    expected = center_crop(torch.from_numpy(landscape).permute(2, 0, 1), [32, 48]).permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(landscape_crop(image, (32, 48)), expected)


@pytest.mark.parametrize("shape", [(16, 24), (15, 21)])
def test_unfold_rebuilds_the_fft_magnitude(shape):
    signal = np.random.default_rng(1).normal(size=shape)
    rebuilt = unfold(np.abs(np.fft.rfft2(signal)), shape[1])
    np.testing.assert_allclose(rebuilt, np.abs(np.fft.fft2(signal)), rtol=1e-10)


def test_weighted_half_plane_sums_equal_full_plane_sums():
    signal = np.random.default_rng(2).normal(size=(16, 24))
    plane = HalfPlane(16, 24, band_edges=(0.125, 0.25))
    power = np.abs(np.fft.rfft2(signal)) ** 2
    assert (plane.weights * power).sum() == pytest.approx((np.abs(np.fft.fft2(signal)) ** 2).sum())
    assert plane.band_fractions(power).sum() == pytest.approx(1.0)
    flat = plane.radial_average(np.ones(plane.shape))
    np.testing.assert_allclose(flat[np.isfinite(flat)], 1.0)
    assert plane.radial_frequency[0] == 0 and np.count_nonzero(plane.radial_bin == 0) == 1


def test_round_mantissa_keeps_bits_significant_bits_and_zeroes_the_rest():
    values = np.random.default_rng(3).lognormal(0, 8, 10_000).astype(np.float32)
    for bits in (0, 8, 23):
        rounded = round_mantissa(values, bits)
        assert rounded.dtype == np.float32
        assert np.all(np.abs(rounded / values - 1) <= 2.0 ** -(bits + 1))
        assert not np.any(rounded.view(np.uint32) & np.uint32((1 << (23 - bits)) - 1))
    np.testing.assert_array_equal(round_mantissa(values, 23), values)
    # ties go to even: 1 + 2**-9 is half-way between 1 and 1 + 2**-8
    assert round_mantissa(np.float32([1 + 2**-9, 1 + 3 * 2**-9]), 8).tolist() == [1.0, 1 + 2**-7]
    assert np.isnan(round_mantissa(np.float32([np.nan]), 8)[0]) and round_mantissa(np.float32([0.0]), 8)[0] == 0
