"""RD curve arithmetic: same images per point, interpolation at a rate, matched rate, labels, same-case averages,
the bootstrap, and the spectral layout (unfolding, Nyquist cut)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from oodnic_report import bootstrap
from oodnic_report.analysis import analyse
from oodnic_report.cases import Cell, missing, same_cases_mean
from oodnic_report.curves import build_curves, codec_labels
from oodnic_report.spectral_layout import full_plane, radial_inside_nyquist, read_layout

IMAGES = ("a.png", "b.png")


def row(codec, quality, bpp, psnr, image="a.png", corruption="clean", severity=0, frequency="clean",
        settings="{}", wrt=None):
    return {"codec": codec, "codec_settings": settings, "quality": quality, "bpp": bpp, "psnr": psnr,
            "psnr_wrt_clean": psnr if wrt is None else wrt, "ms_ssim": None, "image": image,
            "corruption": corruption, "severity": severity, "frequency": frequency}


def both(codec, quality, bpp, psnr, **kw):
    return [row(codec, quality, bpp, psnr, image=i, **kw) for i in IMAGES]


def test_value_at_is_linear_in_log_bpp_and_never_extrapolates():
    rows = both("c", 1, 0.25, 30.0) + both("c", 2, 1.0, 40.0)
    curve = build_curves(rows, codec_labels(rows), IMAGES)["c"]
    assert curve.value_at("psnr", 0.5)[0] == pytest.approx(35.0)  # log-midpoint, not the linear one (33.3)
    value, why = curve.value_at("psnr", 1.01)
    assert math.isnan(value) and why == "c's curve spans 0.25-1 bpp, not 1.01"


def test_a_point_missing_an_image_is_left_out_and_a_lossless_point_marked():
    rows = both("c", 1, 0.25, 30.0) + both("c", 2, 1.0, 40.0) + [row("c", 3, 2.0, 45.0)]
    rows += [row("c", 4, 8.0, float("inf"), image=i) for i in IMAGES]
    curve = build_curves(rows, codec_labels(rows), IMAGES)["c"]
    x, y = curve.finite("psnr")
    assert list(x) == [0.25, 1.0] and list(y) == [30.0, 40.0]  # q=3 has one image of two; q=4 is lossless
    assert curve.incomplete() == [(3, 1)] and curve.lossless() == [4]
    analysis = analyse(rows, list(IMAGES))
    assert analysis.notes == [("RD points of c on clean input", "1 qualities lack a successful row on some image "
                               "(q=3 (1 of 2 images); rate-search probes are coded per image): left out of the mean "
                               "curves, so every point averages the same images")]


def test_lossless_everywhere_is_a_baseline_and_the_matched_rate_ignores_it():
    rows = both("c", 1, 0.2, 30.0) + both("c", 2, 0.6, 33.0) + both("c", 3, 1.0, 36.0)
    rows += both("d", 1, 0.3, 31.0) + both("d", 2, 0.8, 35.0)
    rows += both("none", 0, 24.0, float("inf"))
    rows += both("c", 1, 0.1, 25.0, corruption="noise", severity=3, frequency="high")
    rows += both("c", 2, 0.45, 27.0, corruption="noise", severity=3, frequency="high")
    rows += both("d", 1, 0.15, 25.0, corruption="noise", severity=3, frequency="high")
    rows += both("d", 2, 0.5, 28.0, corruption="noise", severity=3, frequency="high")
    analysis = analyse(rows, list(IMAGES))
    assert analysis.baselines == ["none"] and analysis.codecs == ["c", "d"]
    assert analysis.bpp == pytest.approx(0.45)  # the clean median (0.6) is outside both noise curves
    assert "inside 4 of 4 curves" in analysis.bpp_source
    assert analysis.matched_quality("c") == 2


def test_codec_labels_name_only_the_settings_that_differ():
    rows = [row("jpeg", 50, 1, 30, settings='{"sub": "444", "x": 1}'),
            row("jpeg", 50, 1, 30, settings='{"sub": "420", "x": 1}'),
            row("webp", 50, 1, 30, settings='{"m": 4}')]
    label = codec_labels(rows)
    assert [label(r) for r in rows] == ["jpeg sub=444", "jpeg sub=420", "webp"]


def test_same_cases_mean_averages_every_case_or_none():
    cells = {("a", 1): Cell(1.0), ("a", 5): Cell(3.0), ("b", 1): Cell(2.0), ("b", 5): missing("b failed")}
    means, why = same_cases_mean(cells, ["a", "b"], [1, 5], lambda s: f"s{s}")
    assert why == "not averaged over s1, s5: b at s5: b failed"
    assert all(math.isnan(c.value) and c.note == why for c in means.values())
    means, why = same_cases_mean(cells, ["a", "b"], [1], lambda s: f"s{s}")
    assert why == "" and means["a"].value == 1.0 and means["b"].value == 2.0


def test_bootstrap_resamples_images_and_pairs_the_codecs():
    rows = []
    for i, (bpp, psnr) in enumerate(((0.5, 30.0), (1.0, 32.0), (0.7, 36.0))):
        image = f"{i}.png"
        rows += [row("c", 1, bpp, psnr, image=image), row("c", 2, 2 * bpp, psnr + 4, image=image)]
    images = ["0.png", "1.png", "2.png"]
    curve = build_curves(rows, codec_labels(rows), images)["c"]
    w = bootstrap.weights(3, 500, seed=1)
    assert w.shape == (500, 3) and np.allclose(w.sum(axis=1), 1.0)
    assert np.array_equal(w, bootstrap.weights(3, 500, seed=1)) and not np.array_equal(w, bootstrap.weights(3, 500, 2))
    samples = bootstrap.resampled_at(curve, "psnr", 1.0, w)
    identity = bootstrap.resampled_at(curve, "psnr", 1.0, np.full((1, 3), 1 / 3))
    assert identity[0] == pytest.approx(curve.value_at("psnr", 1.0)[0])
    low, high, lost = bootstrap.interval(samples)
    assert low < identity[0] < high and lost == 0


def test_half_planes_unfold_to_the_full_spectrum_by_the_documented_rule():
    rng = np.random.default_rng(0)
    signal = rng.normal(size=(6, 9))
    power = np.abs(np.fft.fft2(signal)) ** 2
    layout = read_layout({"layout_version": 2, "size": [6, 9]})
    assert np.allclose(full_plane(np.abs(np.fft.rfft2(signal)) ** 2, layout), np.fft.fftshift(power))
    assert read_layout({"size": [6, 9]}).startswith("its metadata documents no layout_version")
    with pytest.raises(ValueError, match="needs \\(6, 5\\)"):
        full_plane(np.zeros((6, 9)), layout)


def test_radial_profiles_stop_at_nyquist_and_drop_dc():
    step = 1 / 8
    frequency = np.arange(7) * step  # bins of an 8 x 8 plane reach 0.707
    kept_f, kept = radial_inside_nyquist(np.arange(7.0), frequency, step)
    assert list(kept_f) == [0.125, 0.25, 0.375] and list(kept) == [1.0, 2.0, 3.0]  # 0.5 + step/2 > 0.5


def test_a_winner_is_named_only_when_its_lead_is_outside_the_interval():
    from oodnic_report.headline import decide

    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.5, 1000)
    close = {"a": 30.03 + noise, "b": 30.0 + noise + rng.normal(0, 0.2, 1000)}  # paired, lead 0.03 dB
    text, winner = decide("high", "generalisation: x", {"a": 30.03, "b": 30.0}, close)
    assert winner is None and text.startswith("high, generalisation: no clear winner, a leads b by 0.03 dB")
    apart = {"a": 31.0 + noise, "b": 30.0 + noise + rng.normal(0, 0.2, 1000)}
    text, winner = decide("high", "generalisation: x", {"a": 31.0, "b": 30.0}, apart)
    assert winner == "a" and "a best, 1 dB ahead of b" in text


def test_bootstrap_resamples_that_miss_the_rate_are_counted_and_stated(tmp_path):
    import csv
    from pathlib import Path

    from oodnic_report.context import Context
    from oodnic_report.headline import decide, headline_section
    from oodnic_report.rundata import RunData

    rows = []  # image a reaches 0.2 bpp, image b only 0.4: resamples drawing b twice miss 0.31 bpp
    for codec, shift in (("c", 0.0), ("d", 1.0)):
        rows += [row(codec, 1, 0.2, 30.0 + shift), row(codec, 2, 0.8, 36.0 + shift)]
        rows += [row(codec, 1, 0.4, 31.0 + shift, image="b.png"), row(codec, 2, 1.6, 37.0 + shift, image="b.png")]
    for r in rows:
        r["dataset"] = "d"
    ctx = Context(RunData(Path(tmp_path), None, rows, []), analyse(rows, list(IMAGES), 0.31), tmp_path)
    note = headline_section(ctx).items[-1]
    table = list(csv.DictReader(open(tmp_path / "headline.csv")))
    dropped = {r["codec"]: int(r["resamples_dropped"]) for r in table}
    assert 150 < dropped["c"] == dropped["d"] < 350  # about a quarter of 1,000 draw image b twice
    assert f"c clean psnr: {dropped['c']}, d clean psnr: {dropped['d']}" in note.text
    text, _ = decide("g", "m: x", {"c": 30.0, "d": 31.0}, {"c": np.array([30.0, np.nan]), "d": np.array([31, np.nan])})
    assert "1 of 2 resamples dropped" in text


def test_fractional_qualities_sort_numerically_in_the_codecs_table(tmp_path):
    from pathlib import Path

    from oodnic_report.context import Context
    from oodnic_report.overview import codecs_table
    from oodnic_report.rundata import RunData

    rows = [{**r, "dataset": "d", "codec_version": "1", "plugin": "p", "codec_fingerprint": "{}"}
            for q in (0.01, 0.0012, 0.0035) for r in both("vr", q, 0.1 + q, 30.0)]
    ctx = Context(RunData(Path(tmp_path), None, rows, []), analyse(rows, list(IMAGES)), tmp_path)
    assert codecs_table(ctx).rows[0][6] == "0.0012 0.0035 0.01"  # by length, then text: 0.01 came first
    assert [q for q in analyse(rows, list(IMAGES)).curves[("clean", 0)]["vr"].qualities] == [0.0012, 0.0035, 0.01]
