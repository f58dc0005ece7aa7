"""Bjontegaard deltas with piecewise cubic (PCHIP) interpolation, against answers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from oodnic_report.bjontegaard import bd_psnr, bd_rate

# A worked example, by hand from the PCHIP definition the JVET sheet uses (Fritsch-Butland slopes: interior
# d_k from the weighted harmonic mean of the secant slopes, ends from the three-point formula; each cubic
# Hermite piece integrates to h (y0 + y1) / 2 + h^2 (d0 - d1) / 12):
#   test: PSNR 30, 31, 32, 33 dB at log10(rate) 0, 1, 1.5, 2 -> secants 1, 0.5, 0.5;
#         slopes d = 1.25, 2/3, 0.5, 0.5; integral over [30, 33] = 3.5 + 7/144 + 1/72 = 3.5625.
#   anchor: log10(rate) = (PSNR - 30) * 2/3, a line, integral 3.
#   BD-rate = 10 ** ((3.5625 - 3) / 3) - 1 = 10 ** 0.1875 - 1 = +53.99 %.
PSNR = np.array([30.0, 31.0, 32.0, 33.0])
TEST_RATE = 10.0 ** np.array([0.0, 1.0, 1.5, 2.0])
ANCHOR_RATE = 10.0 ** ((PSNR - 30.0) * 2.0 / 3.0)


def test_bd_rate_of_a_worked_example():
    delta = bd_rate(ANCHOR_RATE, PSNR, TEST_RATE, PSNR)
    assert delta.value == pytest.approx((10.0**0.1875 - 1.0) * 100.0, abs=1e-9)  # 53.9927 %
    assert delta.note == ""


def test_bd_psnr_of_the_same_worked_example_with_the_axes_swapped():
    # anchor PSNR = 30 + (2/3) log10(rate), test PSNR = 30 + (0, 1, 1.5, 2) at log10(rate) = 0..3:
    # the test's integral over [0, 3] exceeds the anchor's by 0.5625, so BD-PSNR = 0.5625 / 3 = 0.1875 dB
    rate = 10.0 ** np.arange(4.0)
    delta = bd_psnr(rate, 30.0 + np.arange(4.0) * 2.0 / 3.0, rate, 30.0 + np.array([0.0, 1.0, 1.5, 2.0]))
    assert delta.value == pytest.approx(0.1875, abs=1e-12)


def test_bd_rate_of_a_five_point_worked_example_where_the_old_cubic_fit_differs():
    # For equally spaced points the interior slopes telescope out of the full-range integral:
    #   integral = trapezoid + h^2 (d_0 - d_n) / 12.
    # test: log10(rate) 0, 1, 1.5, 2, 4 at PSNR 30..34 -> trapezoid 6.5; end slopes (3-point formula)
    #       d_0 = (3 * 1 - 0.5) / 2 = 1.25, d_4 = (3 * 2 - 0.5) / 2 = 2.75 -> integral 6.5 - 0.125 = 6.375.
    # anchor: log10(rate) = 0.75 (PSNR - 30), integral 6 -> BD-rate = 10 ** (0.375 / 4) - 1 = +24.09 %.
    psnr = np.arange(30.0, 35.0)
    test_rate, anchor_rate = 10.0 ** np.array([0.0, 1.0, 1.5, 2.0, 4.0]), 10.0 ** (0.75 * (psnr - 30.0))
    assert bd_rate(anchor_rate, psnr, test_rate, psnr).value == pytest.approx((10.0**0.09375 - 1.0) * 100.0, abs=1e-9)
    # VCEG-M33's least-squares cubic (the formula the JVET conditions replaced) gives 27.3 %, not 24.1 %
    cubic = np.polyint(np.polyfit(psnr, np.log10(test_rate), 3))
    old = (10.0 ** ((np.polyval(cubic, 34.0) - np.polyval(cubic, 30.0) - 6.0) / 4.0) - 1.0) * 100.0
    assert old == pytest.approx(27.28, abs=0.01)


def test_identical_curves_give_zero_and_known_shifts_give_their_size():
    rate, psnr = np.array([0.2, 0.4, 0.8, 1.6]), np.array([28.0, 31.5, 34.0, 38.0])
    assert bd_rate(rate, psnr, rate, psnr).value == pytest.approx(0.0, abs=1e-12)
    assert bd_psnr(rate, psnr, rate, psnr).value == pytest.approx(0.0, abs=1e-12)
    assert bd_rate(rate, psnr, rate * 1.25, psnr).value == pytest.approx(25.0)
    assert bd_rate(rate * 1.25, psnr, rate, psnr).value == pytest.approx(-20.0)
    assert bd_psnr(rate, psnr, rate, psnr + 0.5).value == pytest.approx(0.5)


def test_points_in_any_order_and_repeated_rates():
    rate, psnr = np.array([1.6, 0.2, 0.8, 0.4]), np.array([38.0, 28.0, 34.0, 31.5])
    assert bd_rate(rate, psnr, rate * 2, psnr).value == pytest.approx(100.0)
    assert bd_psnr(np.append(rate, 0.8), np.append(psnr, 99.0), rate, psnr + 1).value == pytest.approx(1.0)


def test_no_overlap_and_too_few_points_are_nan_with_a_reason():
    far = bd_rate([0.1, 0.2], [20.0, 22.0], [0.3, 0.4], [25.0, 27.0])
    assert math.isnan(far.value) and far.note.startswith("curves do not overlap (anchor 20.00-22.00 dB")
    few = bd_psnr([0.1], [20.0], [0.1, 0.2], [20.0, 22.0])
    assert math.isnan(few.value) and "needs 2 finite points" in few.note
    narrow = bd_rate([0.1, 0.2, 0.4], [20.0, 24.0, 28.0], [0.2, 0.4, 0.8], [27.0, 30.0, 33.0])
    assert math.isfinite(narrow.value) and narrow.note.startswith("narrow overlap: 8% of the range")


def test_a_curve_whose_psnr_falls_has_no_bd_rate_but_a_bd_psnr():
    rate = np.array([0.2, 0.4, 0.8, 1.6])
    falling = np.array([25.0, 26.0, 25.5, 25.2])  # PSNR vs clean on noise: more bits reproduce more noise
    delta = bd_rate(rate, [24.0, 25.0, 26.0, 27.0], rate, falling)
    assert math.isnan(delta.value) and "codec's PSNR does not rise with rate" in delta.note
    assert math.isfinite(bd_psnr(rate, [24.0, 25.0, 26.0, 27.0], rate, falling).value)


def test_a_dominated_point_is_left_out_and_noted_once():
    # the worked example's test curve plus one stray point: 15.8 bpp for 30.5 dB, when 10 bpp already gives 31 dB
    stray_rate, stray_psnr = np.append(TEST_RATE, 10.0**1.2), np.append(PSNR, 30.5)
    rate = bd_rate(ANCHOR_RATE, PSNR, stray_rate, stray_psnr)
    assert rate.value == pytest.approx((10.0**0.1875 - 1.0) * 100.0, abs=1e-9)  # as without the stray point
    assert rate.note == "dominated points left out: 1 of the codec's 5 (at 15.8 bpp)"
    psnr = bd_psnr(ANCHOR_RATE, PSNR, stray_rate, stray_psnr)
    assert psnr.value == pytest.approx(bd_psnr(ANCHOR_RATE, PSNR, TEST_RATE, PSNR).value, abs=1e-12)
    from oodnic_report.cases import Cell, joined_note

    assert joined_note(Cell(rate.value, rate.note), Cell(psnr.value, psnr.note)).count("dominated") == 1


def test_fewer_than_four_points_warn_but_give_the_delta():
    rate, psnr = np.array([0.2, 0.4, 0.8]), np.array([28.0, 31.5, 34.0])
    delta = bd_rate(rate, psnr, rate * 2, psnr)
    assert delta.value == pytest.approx(100.0) and delta.note == "fewer than 4 points (anchor 3, codec 3): fragile"
