"""Planted runs with known answers: rows written by the core's runner from test codecs of exact rate and PSNR."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from report_testing import PLANTED_CODECS, make_planted_run, make_report

ANCHOR = "planted_anchor"
VARIANTS = [("clean", 0)] + [(c, s) for c in ("planted_dim", "planted_noise") for s in (1, 3, 5)]
SHIFT_DB = 10 * math.log10(2)  # planted_sharp flips half the bits: MSE / 2


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    run_dir = make_planted_run(tmp_path_factory.getbasetemp() / "oodnic-report-planted")
    return make_report(run_dir, anchor=ANCHOR)


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def value(text: str) -> float:
    return float(text) if text else float("nan")


def test_bd_rate_csv_has_one_row_per_codec_input_severity_and_psnr_kind(report):
    rows = read_csv(report.path.parent / "bd_rate.csv")
    assert list(rows[0]) == ["codec", "anchor", "input", "corruption", "severity", "metric", "bd_rate", "bd_psnr",
                             "note"]
    competing = [c for c in PLANTED_CODECS if c not in (ANCHOR, "none")]  # none: a lossless baseline, no curve
    keys = [(r["codec"], r["corruption"], int(r["severity"]), r["metric"]) for r in rows]
    assert sorted(keys) == sorted((c, v[0], v[1], m) for c in competing for v in VARIANTS
                                  for m in ("psnr", "psnr_wrt_clean"))
    assert {r["anchor"] for r in rows} == {ANCHOR}
    assert {(r["corruption"] == "clean", r["input"]) for r in rows} == {(True, "clean"), (False, "corrupted")}


def test_identical_curves_give_zero_and_known_shifts_their_size(report):
    rows = read_csv(report.path.parent / "bd_rate.csv")
    psnr = {(r["codec"], r["corruption"], r["severity"]): r for r in rows if r["metric"] == "psnr"}
    for corruption, severity in VARIANTS:
        twin, double, sharp = (psnr[(c, corruption, str(severity))] for c in
                               ("planted_twin", "planted_double", "planted_sharp"))
        assert value(twin["bd_rate"]) == pytest.approx(0.0, abs=1e-9) and twin["note"] == ""
        assert value(twin["bd_psnr"]) == pytest.approx(0.0, abs=1e-9)
        assert value(double["bd_rate"]) == pytest.approx(100.0)  # the anchor's PSNR at twice the bytes
        assert value(sharp["bd_psnr"]) == pytest.approx(SHIFT_DB)  # the anchor's rates at +3.01 dB
        # each doubling of the rate flips half as many bits: +3.01 dB is exactly half the rate
        assert value(sharp["bd_rate"]) == pytest.approx(-50.0)
    clean = {r["codec"]: r for r in rows if r["metric"] == "psnr_wrt_clean" and r["corruption"] == "clean"}
    assert value(clean["planted_double"]["bd_rate"]) == pytest.approx(100.0)  # on clean input, vs clean = vs input
    for row in rows:
        if row["codec"] == "planted_twin" and row["metric"] == "psnr_wrt_clean":  # identical, or explained
            assert value(row["bd_rate"]) == pytest.approx(0.0, abs=1e-9) or "does not rise with rate" in row["note"]


def test_a_codec_missing_severity_5_gets_explained_cells_not_an_average_over_fewer(report):
    out = report.path.parent
    bd = {(r["codec"], r["corruption"], r["severity"], r["metric"]): r for r in read_csv(out / "bd_rate.csv")}
    missing = bd[("planted_fussy", "planted_dim", "5", "psnr")]
    assert math.isnan(value(missing["bd_rate"])) and math.isnan(value(missing["bd_psnr"]))
    assert "planted_fussy has no successful row on planted_dim s5 (12 failed:" in missing["note"]
    assert "refuses inputs darker" in missing["note"]
    per_severity = {(r["codec"], r["corruption"], r["severity"]): r for r in read_csv(out / "robustness.csv")}
    assert math.isnan(value(per_severity[("planted_fussy", "planted_dim", "5")]["psnr_drop"]))
    assert value(per_severity[("planted_fussy", "planted_dim", "3")]["psnr_drop"]) == pytest.approx(0.0, abs=1e-9)
    averaged = [r for r in read_csv(out / "robustness_mean.csv") if r["over"].startswith("planted_dim")]
    assert {r["codec"] for r in averaged} == {c for c in PLANTED_CODECS if c != "none"}
    for row in averaged:  # every codec's dim cell is empty and says why: none averages severities 1 and 3 only
        assert math.isnan(value(row["psnr_drop"])) and math.isnan(value(row["psnr_wrt_clean"]))
        assert "planted_fussy at planted_dim s5: planted_fussy has no successful row" in row["note"]
    noise = [r for r in read_csv(out / "robustness_mean.csv") if r["over"].startswith("planted_noise")]
    assert all(math.isfinite(value(r["psnr_wrt_clean"])) and r["note"] == "" for r in noise)
    bd_means = [r for r in read_csv(out / "bd_rate_mean.csv") if r["metric"] == "psnr"]
    dim = [r for r in bd_means if r["over"].startswith("planted_dim")]
    assert dim and all(math.isnan(value(r["bd_rate"])) and "planted_fussy" in r["note"] for r in dim)
    noise = {r["codec"]: r for r in bd_means if r["over"].startswith("planted_noise")}
    assert value(noise["planted_double"]["bd_rate"]) == pytest.approx(100.0)
    skipped = {s.item: s.reason for s in report.skipped}
    assert "planted_fussy at planted_dim s5" in skipped["PSNR drop at 96.1 bpp, planted_dim (s1, 3, 5)"]
    assert "Headline, low: generalisation: PSNR vs codec input (dB)" in skipped
    page = report.path.read_text()
    assert "not averaged over planted_dim s1, planted_dim s3, planted_dim s5: planted_fussy at planted_dim s5" in page


def test_the_no_compression_codec_is_a_baseline_and_lossless_points_are_marked(report):
    out = report.path.parent
    points = [r for r in read_csv(out / "rd_points.csv") if r["codec"] == "none"]
    assert len(points) == len(VARIANTS) and all(r["lossless_images"] == "3" and r["psnr"] == "inf" for r in points)
    assert all(value(r["bpp"]) == pytest.approx(24.0 + 64 / (48 * 64)) for r in points)
    robustness = [r for r in read_csv(out / "robustness.csv") if r["codec"] == ANCHOR]
    assert all(math.isfinite(value(r["input_psnr_wrt_clean"])) for r in robustness)
    codecs = {r["codec"]: r["role"] for r in read_csv(out / "codecs.csv")}
    assert codecs["none"] == "lossless baseline" and codecs[ANCHOR] == "codec"
    assert "none" not in {r["codec"] for r in read_csv(out / "headline.csv")}


def test_headline_intervals_contain_the_estimate_and_winners_need_a_clear_lead(report):
    rows = read_csv(report.path.parent / "headline.csv")
    clean = {r["codec"]: r for r in rows if r["group"] == "clean"}
    # planted curves are identical on every image: no spread, and planted_sharp leads by 3 dB at any rate
    assert value(clean["planted_sharp"]["ci_low"]) == pytest.approx(value(clean["planted_sharp"]["value"]))
    assert [c for c, r in clean.items() if r["winner"] == "True"] == ["planted_sharp"]
    assert {r["group"] for r in rows} == {"clean", "high"}  # low: planted_fussy misses severity 5


def test_a_clean_only_run_reports_what_it_can_and_says_what_it_cannot(tmp_path):
    from report_testing import run_grid, write_planted_images

    images = write_planted_images(tmp_path / "images")
    run_grid("planted_plugin", dataset=str(images), run_dir=str(tmp_path / "clean"), corruptions=[],
             codecs=[["planted_anchor", None], ["planted_double", None]], metrics=["psnr", "psnr_wrt_clean"])
    report = make_report(tmp_path / "clean", anchor=ANCHOR)
    reasons = {s.item: s.reason for s in report.skipped}
    assert reasons["Robustness tables"] == "the run has no corrupted input"
    assert reasons["RD curves per frequency group"] == "the run has no corrupted input"
    rows = read_csv(report.path.parent / "bd_rate.csv")
    assert [(r["codec"], r["corruption"], r["metric"]) for r in rows] == [
        ("planted_double", "clean", "psnr"), ("planted_double", "clean", "psnr_wrt_clean")]
    assert value(rows[0]["bd_rate"]) == pytest.approx(100.0)
