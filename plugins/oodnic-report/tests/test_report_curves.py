"""RD curve arithmetic: interpolation at a bpp, Bjontegaard delta rate, matched bpp, labels, headline."""

from __future__ import annotations

import math

import numpy as np
import pytest

from oodnic_report.analysis import analyse, headline_rows, matched_bpp
from oodnic_report.curves import Curve, bd_rate, codec_labels


def curve(bpp, psnr, codec="c", wrt=None) -> Curve:
    bpp, psnr = np.asarray(bpp, float), np.asarray(psnr, float)
    values = {"psnr": psnr, "psnr_wrt_clean": np.asarray(wrt if wrt is not None else psnr, float),
              "ms_ssim": np.full(len(bpp), np.nan)}
    return Curve(codec, bpp, values, tuple(range(len(bpp))), frozenset({"a.png"}))


def test_value_at_is_linear_in_log_bpp_and_never_extrapolates():
    c = curve([0.25, 1.0], [30.0, 40.0])
    assert c.value_at("psnr", 0.5) == pytest.approx(35.0)  # log-midpoint, not the linear one (33.3)
    assert c.value_at("psnr", 1.0) == pytest.approx(40.0)
    assert math.isnan(c.value_at("psnr", 1.01)) and math.isnan(c.value_at("psnr", 0.2))


def test_bd_rate_of_a_curve_needing_25_percent_more_bits_everywhere():
    rate, psnr = np.array([0.2, 0.4, 0.8, 1.6]), np.array([28.0, 31.5, 34.0, 38.0])
    assert bd_rate(rate, psnr, rate * 1.25, psnr) == pytest.approx(25.0)
    assert bd_rate(rate * 1.25, psnr, rate, psnr) == pytest.approx(-20.0)


def test_bd_rate_integrates_over_the_common_quality_range_only():
    # log-rate linear in PSNR (PCHIP reproduces lines): ref ln r = -8 + 0.25 q, test ln r = -7 + 0.2 q
    q_ref, q_test = np.array([28.0, 32.0, 36.0, 40.0]), np.array([30.0, 34.0, 38.0, 42.0])
    r_ref, r_test = np.exp(-8 + 0.25 * q_ref), np.exp(-7 + 0.2 * q_test)
    low, high = 30.0, 40.0
    mean_diff = 1.0 - 0.05 * (low + high) / 2
    assert bd_rate(r_ref, q_ref, r_test, q_test) == pytest.approx((math.exp(mean_diff) - 1) * 100)


def test_bd_rate_is_nan_without_overlap_or_points():
    assert math.isnan(bd_rate([0.1, 0.2], [20.0, 22.0], [0.3, 0.4], [25.0, 27.0]))
    assert math.isnan(bd_rate([0.1], [20.0], [0.1, 0.2], [20.0, 22.0]))


def test_matched_bpp_lies_inside_the_most_curves():
    curves = {("clean", 0): {"a": curve([0.2, 0.6, 1.0], [30, 33, 36]), "b": curve([0.3, 0.8], [31, 35])},
              ("noise", 3): {"a": curve([0.1, 0.45], [25, 27]), "b": curve([0.15, 0.5], [25, 28])}}
    chosen, source = matched_bpp(curves)
    assert chosen == pytest.approx(0.45)  # the clean median (0.6) is outside both noise curves
    assert "within 4 of 4 curves" in source


def row(codec, quality, bpp, psnr, corruption="clean", severity=0, frequency="clean", settings="{}", wrt=None):
    return {"codec": codec, "codec_settings": settings, "quality": quality, "bpp": bpp, "psnr": psnr,
            "psnr_wrt_clean": psnr if wrt is None else wrt, "ms_ssim": None, "image": "a.png",
            "corruption": corruption, "severity": severity, "frequency": frequency}


def test_codec_labels_name_only_the_settings_that_differ():
    rows = [row("jpeg", 50, 1, 30, settings='{"sub": "444", "x": 1}'),
            row("jpeg", 50, 1, 30, settings='{"sub": "420", "x": 1}'),
            row("webp", 50, 1, 30, settings='{"m": 4}')]
    label = codec_labels(rows)
    assert [label(r) for r in rows] == ["jpeg sub=444", "jpeg sub=420", "webp"]


def test_headline_compares_codecs_on_the_same_inputs_and_flags_the_best():
    rows = []
    for q, bpp in enumerate((0.2, 0.5, 1.0)):
        rows += [row("a", q, bpp, 30 + q), row("b", q, bpp, 31 + q)]
        rows += [row("a", q, bpp, 20 + q, "noise", 3, "high", wrt=25 + q),
                 row("b", q, bpp, 19 + q, "noise", 3, "high", wrt=26 + q)]
        rows += [row("a", q, bpp, 22 + q, "speckle", 3, "high", wrt=24 + q)]  # b did not run speckle
    analysis = analyse(rows, bpp=0.5)
    high = {r["codec"]: r for r in headline_rows(analysis) if r["group"] == "high"}
    assert high["a"]["psnr"] == pytest.approx(21.0) and high["a"]["variants"] == 1  # speckle left out
    assert high["a"]["best_generalisation"] and not high["b"]["best_generalisation"]
    assert high["b"]["most_robust"] and not high["a"]["most_robust"]
