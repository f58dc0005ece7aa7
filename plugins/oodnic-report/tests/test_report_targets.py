"""Robustness at target rates, on a real rate-matched run of the planted codecs (exact rate and PSNR)."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pytest
from report_testing import RATE_TARGETS, make_planted_rate_run, make_report

COMPETING = ("planted_anchor", "planted_double", "planted_fussy", "planted_sharp")
INPUTS = [("clean", "0")] + [(c, s) for c in ("planted_dim", "planted_noise") for s in ("1", "5")]
SHIFT_DB = 10 * math.log10(2)


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    return make_report(make_planted_rate_run(tmp_path_factory.getbasetemp() / "oodnic-report-rates"),
                       anchor="planted_anchor")


def read(report, name):
    with open(report.path.parent / name, newline="") as handle:
        return list(csv.DictReader(handle))


def value(text: str) -> float:
    return float(text) if text else float("nan")


def test_robustness_csv_has_a_row_for_every_codec_input_and_target_with_known_values(report):
    rows = {(r["codec"], r["corruption"], r["severity"], float(r["target_bpp"])): r
            for r in read(report, "robustness.csv")}
    assert set(rows) == {(c, *i, t) for c in COMPETING for i in INPUTS for t in RATE_TARGETS}
    for corruption, severity in INPUTS:
        anchor, sharp = rows[("planted_anchor", corruption, severity, 96.0)], rows[("planted_sharp", corruption,
                                                                                  severity, 96.0)]
        # flips are exact whatever the input: half the flips is +3.01 dB at the same rate, and no drop from clean
        assert value(sharp["psnr"]) - value(anchor["psnr"]) == pytest.approx(SHIFT_DB)
        assert value(anchor["psnr_drop"]) == pytest.approx(0.0, abs=1e-9)
        assert value(anchor["psnr_ci_low"]) == pytest.approx(value(anchor["psnr_ci_high"]))
        assert value(anchor["bpp"]) == pytest.approx(96.125) and anchor["matched"] == "3"
        if corruption != "clean":  # the uncompressed input's level, from the none baseline
            assert value(anchor["input_psnr_wrt_clean"]) == pytest.approx(value(anchor["psnr_wrt_clean"]), abs=0.5)
            assert value(anchor["psnr_wrt_clean_ci_low"]) < value(anchor["psnr_wrt_clean_ci_high"])
    missing = rows[("planted_fussy", "planted_dim", "5", 96.0)]
    assert math.isnan(value(missing["psnr"])) and "planted_fussy has no successful row on planted_dim s5" in \
        missing["note"]


def test_a_target_out_of_reach_is_named_once_with_the_codecs_range(report):
    rows = [r for r in read(report, "robustness.csv") if r["codec"] == "planted_double"]
    low = [r for r in rows if float(r["target_bpp"]) == 24.0]
    assert len(low) == len(INPUTS) and all(math.isnan(value(r["psnr"])) and r["note"].startswith("out of reach")
                                           for r in low)
    assert all(math.isfinite(value(r["psnr"])) for r in rows if float(r["target_bpp"]) == 96.0)
    page = report.path.read_text()
    named = re.findall(r"planted_double cannot reach 24 bpp on ([^<]*?) \(it reaches 48.1-384 bpp\)", page)
    assert named == ["clean input, planted_dim s1, planted_dim s5, planted_noise s1, planted_noise s5"]
    table = next(t for t in report.tables if t.title.endswith("at 24 bpp"))
    assert [n for n in table.notes if "reach" in n] == ["out of reach"]  # one legend entry, not a note per cell
    assert all(row[2] == "n/a [1] / n/a [1] / n/a [1]" for row in table.rows)  # planted_double's column


def test_group_means_cover_the_same_inputs_for_every_codec_and_say_which_are_left_out(report):
    rows = {(r["codec"], float(r["target_bpp"]), r["over"]): r for r in read(report, "robustness_mean.csv")}
    per_input = {(r["codec"], r["corruption"], r["severity"], float(r["target_bpp"])): r
                 for r in read(report, "robustness.csv")}
    low = rows[("planted_anchor", 96.0, "low-frequency group")]
    # planted_fussy has no row on planted_dim s5, so every codec's low group is planted_dim s1 alone
    assert value(low["psnr_wrt_clean"]) == pytest.approx(
        value(per_input[("planted_anchor", "planted_dim", "1", 96.0)]["psnr_wrt_clean"]))
    assert "left out: planted_dim s5" in low["note"]
    high = rows[("planted_sharp", 96.0, "high-frequency group")]
    assert high["note"] == "" and value(high["psnr"]) == pytest.approx(
        value(rows[("planted_anchor", 96.0, "high-frequency group")]["psnr"]) + SHIFT_DB)
    assert {Path(f.png).stem for f in report.figures} >= {"robustness-at-targets"}
