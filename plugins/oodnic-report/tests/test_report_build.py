"""The report of a real run: every section the data allows, tables as CSV, skips explained, identical bytes."""

from __future__ import annotations

import csv
import html
import platform
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from report_testing import make_report, make_run, oodnic

ANCHOR = "fixture_jpeg"
EXPECTED_FIGURES = {
    "headline-by-group", "robustness-heatmap", "rd-psnr-by-input", "rd-ms_ssim_db-by-input",
    "rd-psnr-wrt-clean-low", "rd-psnr-wrt-clean-medium", "rd-psnr-wrt-clean-high", "rd-psnr-by-group",
    "rd-psnr-low", "rd-psnr-medium", "rd-psnr-high",
    "rd-psnr-wrt-clean-by-group", "spectra-fixture_spectra-radial", "fourier-heatmaps",
}
EXPECTED_TILES = {"fixture_spectra: D, G and R per frequency group, all severities",
                  "fixture_spectra: D, G and R per frequency group, minus fixture_jpeg",
                  "fixture_spectra: G = x^ - x~ (generalisation) per corruption, all severities",
                  "fixture_spectra: R = x^ - x (robustness) per corruption, all severities",
                  "fixture_spectra: G and R per frequency group at severity 1",
                  "fixture_spectra: G and R per frequency group at severity 3"}
EXPECTED_CSV = {"provenance.csv", "codecs.csv", "corruptions.csv", "metrics.csv", "images.csv", "rd_points.csv",
                "headline.csv", "bd_rate.csv", "bd_rate_mean.csv", "robustness.csv", "robustness_mean.csv",
                "spectra_fixture_spectra.csv", "speed.csv"}


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.getbasetemp() / "oodnic-report-run")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_report_has_every_section_the_run_allows(run_dir):
    report = make_report(run_dir, anchor=ANCHOR)
    out = report.path.parent
    assert {Path(f.png).stem for f in report.figures} == EXPECTED_FIGURES
    for figure in report.figures:
        assert (out / figure.png).stat().st_size > 1000 and (out / figure.svg).stat().st_size > 1000
    assert {p.name for p in out.glob("*.csv")} == EXPECTED_CSV
    tiles = {g.title: g for g in report.grids if hasattr(g, "columns")}
    assert set(tiles) == EXPECTED_TILES
    groups = tiles["fixture_spectra: D, G and R per frequency group, all severities"]
    assert groups.columns == ("clean: D", "low: G", "medium: G", "high: G", "low: R", "medium: R", "high: R")
    assert [label for label, _ in groups.rows] == ["fixture_jpeg", "fixture_webp"]
    assert all(t.src and (out / t.src).is_file() and re.fullmatch(r"\S+ to \S+", t.text)
               for _, row in groups.rows for t in row)
    for kind in ("D", "G", "R"):  # one colour scale per spectrum kind across codecs and inputs
        scales = {t.text for _, row in groups.rows for c, t in zip(groups.columns, row) if c.endswith(kind)}
        assert len(scales) == 1, (kind, scales)
    assert len({t.text for _, row in groups.rows for t in row}) == 3
    difference = tiles["fixture_spectra: D, G and R per frequency group, minus fixture_jpeg"]
    assert [label for label, _ in difference.rows] == ["fixture_webp"]  # codec minus the anchor
    assert all(t.src and re.fullmatch(r"-(\S+) to \1", t.text) for _, row in difference.rows for t in row)
    per_corruption = tiles["fixture_spectra: R = x^ - x (robustness) per corruption, all severities"]
    assert per_corruption.columns == ("fixture_jpeg", "fixture_webp")
    assert [label for label, _ in per_corruption.rows] == ["fixture_contrast", "fixture_blur", "fixture_noise"]
    heat = (out / "figures" / "fourier-heatmaps.svg").read_text()  # each panel its own colour bar, and the change
    assert heat.count("<!-- PSNR (dB) -->") == 2 and heat.count("<!-- change in PSNR (dB) -->") == 1
    assert "<!-- change vs unperturbed (35.25 dB) -->" in heat
    page = report.path.read_text()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and [s for s in sources if re.match(r"^[a-z]+:", s) and s != "data:,"] == []  # offline
    assert all((out / s).is_file() for s in sources if not s.startswith(("#", "data:")))
    assert "<script" not in page
    # one quality per codec, chosen once: every reconstruction crop of a codec states the same q=
    qualities = {c: set(re.findall(rf"<b>{c}</b>: q=(\d+)", page)) for c in ("fixture_jpeg", "fixture_webp")}
    assert all(len(q) == 1 for q in qualities.values()), qualities
    assert len(re.findall(r'<img class="rec"', page)) == 4 * 2  # (clean + 3 corruptions) x 2 codecs


def test_tables_measure_robustness_per_severity_and_on_average(run_dir):
    out = make_report(run_dir, anchor=ANCHOR).path.parent
    rows = {(r["codec"], r["corruption"], r["severity"]): r for r in read_csv(out / "robustness.csv")}
    assert set(rows) == {(c, k, s) for c in ("fixture_jpeg", "fixture_webp")
                         for k in ("fixture_noise", "fixture_blur", "fixture_contrast") for s in ("1", "3")}
    for codec in ("fixture_jpeg", "fixture_webp"):
        noise, blur = rows[(codec, "fixture_noise", "3")], rows[(codec, "fixture_blur", "3")]
        # noise adds detail the codec must spend bits on; blur removes it
        assert float(noise["psnr_drop"]) > 2.0 and float(blur["psnr_drop"]) < -2.0
        assert float(noise["psnr_wrt_clean"]) < float(noise["psnr_clean"])
        assert float(noise["input_psnr_wrt_clean"]) < float(rows[(codec, "fixture_noise", "1")]["input_psnr_wrt_clean"])
    means = {(r["codec"], r["over"]): r for r in read_csv(out / "robustness_mean.csv")}
    mean = means[("fixture_jpeg", "fixture_noise (s1, 3)")]
    expected = (float(rows[("fixture_jpeg", "fixture_noise", "1")]["psnr_drop"])
                + float(rows[("fixture_jpeg", "fixture_noise", "3")]["psnr_drop"])) / 2
    assert float(mean["psnr_drop"]) == pytest.approx(expected)
    bd = read_csv(out / "bd_rate.csv")
    assert len(bd) == 1 * 7 * 3 and {r["codec"] for r in bd} == {"fixture_webp"}
    clean = next(r for r in bd if r["corruption"] == "clean" and r["metric"] == "psnr")
    assert float(clean["bd_rate"]) < -10 and float(clean["bd_psnr"]) > 0.5  # WebP beats JPEG at these rates
    speed = {r["codec"]: r for r in read_csv(out / "speed.csv")}
    assert set(speed) == {"fixture_jpeg", "fixture_webp", "none"}
    assert all(float(r["encode_mp_per_s"]) > 0 and float(r["decode_ms_median"]) > 0 for r in speed.values())
    facts = {r["fact"]: r["value"] for r in read_csv(out / "provenance.csv")}
    assert facts["seed"] == "0" and facts["device (as asked)"] == "cpu" and facts["images"] == "3"
    # the device each worker loaded each codec on, from the rows (3 images x 7 inputs x 4 qualities; none: 1)
    assert facts["device used by the workers"] == "cpu: fixture_jpeg (84 rows), fixture_webp (84 rows), none (21 rows)"
    assert facts["codecs of plugin report_fixture_plugin"] == "fixture_jpeg, fixture_webp"
    assert facts["python"] == platform.python_version()  # the run records its environment
    images = read_csv(out / "images.csv")
    assert [r["image"] for r in images] == ["astronaut.png", "chelsea.png", "coffee.png"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["sha256"]) for r in images)
    spectra = read_csv(out / "spectra_fixture_spectra.csv")
    assert {r["kind"] for r in spectra} == {"D", "G", "R"} and len(spectra) == 2 * (1 + 2 * 6)
    assert all(float(r["band_low"]) + float(r["band_mid"]) + float(r["band_high"]) == pytest.approx(1.0)
               for r in spectra)


def test_cli_report_is_byte_identical_to_an_earlier_build(run_dir, tmp_path):
    first = make_report(run_dir, anchor=ANCHOR).path.parent
    result = oodnic("report", str(run_dir), "--out", str(tmp_path / "again"), "--anchor", ANCHOR)
    assert result.returncode == 0, result.stderr
    assert f"{len(EXPECTED_FIGURES)} figures" in result.stdout and "BD anchor fixture_jpeg" in result.stdout
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    again = sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*") if p.is_file())
    assert files == again and len(files) > 40
    assert [p for p in files if (first / p).read_bytes() != (tmp_path / "again" / p).read_bytes()] == []


def test_unknown_layouts_are_skipped_and_band_shares_read_without_planes(run_dir, tmp_path):
    from oodnic_platform.results import open_run, save_arrays

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("*-report"))
    with open_run(copy) as run:
        groups = run.arrays("fixture_spectra")
    for group in groups:  # the same groups in a layout the report does not know (full planes, no layout_version)
        save_arrays(copy, "old_spectra", group.meta, {"D": np.ones((32, 48)), "D_radial": np.ones(20)},
                    {"mode": "power"})
        # ... and as oodnic-spectral saves them with planes=false: radial profiles and band fractions only
        arrays, metadata = group.load_with_metadata()
        flat = {k: v for k, v in arrays.items() if k.endswith("_radial") or k in ("radial_frequency", "count")}
        flat.update({f"{k[0]}_band_fraction": np.array([0.5, 0.3, 0.2]) for k in arrays if k.endswith("_half")})
        save_arrays(copy, "flat_spectra", group.meta, flat, metadata)
    report = make_report(copy, anchor=ANCHOR)
    shares = read_csv(report.path.parent / "spectra_flat_spectra.csv")
    assert len(shares) == 2 * (1 + 2 * 6)
    assert all((r["band_low"], r["band_mid"], r["band_high"]) == ("0.5", "0.3", "0.2") for r in shares)
    assert "flat_spectra: 2-D spectra" in {s.item for s in report.skipped}
    reasons = {s.item: s.reason for s in report.skipped}
    # the groups at the shown qualities (2 codecs x 7 inputs) are refused, saying why; fixture_spectra is shown
    assert reasons["old_spectra: 14 array group(s)"].startswith("its metadata documents no layout_version; this "
                                                               "report reads layout 2")
    assert any(g.title.startswith("fixture_spectra:") for g in report.grids)


def test_user_mistakes_are_one_line_errors_with_exit_status_2(run_dir, tmp_path):
    for args, message in (((str(tmp_path / "nothing"),), "no results.sqlite in"),
                          ((str(run_dir), "--anchor", "nope"), "--anchor 'nope' is not a codec of this run"),
                          ((str(run_dir), "--anchor", "none"), "a lossless baseline has no RD curve")):
        result = oodnic("report", *args, "--out", str(tmp_path / "out"))
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("oodnic: error: ") and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing written before the mistake is found
    (tmp_path / "file").write_text("in the way")
    for out, message in (("/proc/oodnic-report", "--out /proc/oodnic-report: /proc is not writable"),
                         (str(tmp_path / "file" / "report"), "file is a file, not a folder")):
        result = oodnic("report", str(run_dir), "--out", out)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_without_the_default_anchor_the_bd_section_is_skipped_with_a_reason(run_dir):
    report = make_report(run_dir)
    reasons = {s.item: s.reason for s in report.skipped}
    assert reasons["BD-rate against an anchor"].startswith("no --anchor given and the default anchor jpeg is not in")
    assert report.anchor is None and not (report.path.parent / "bd_rate.csv").exists()


def test_an_all_zero_spectrum_is_labelled_as_such(run_dir, tmp_path):
    from oodnic_report.analysis import analyse
    from oodnic_report.context import Context
    from oodnic_report.rundata import load_run
    from oodnic_report.spectra import Spectrum, collect
    from oodnic_report.spectra_grids import heat_grid

    data = load_run(run_dir)
    try:
        ctx = Context(data, analyse(data.rows, data.images), tmp_path)
        spectra = collect(ctx, "fixture_spectra")
        spectra.cells[("fixture_webp", ("clean", 0), "D")] = Spectrum(np.zeros((4, 6), np.float32), None, None, 0.0, 3)
        layout = [(codec, [(codec, "D", [("clean", 0)])]) for codec in ("fixture_jpeg", "fixture_webp")]
        grid = heat_grid(ctx, spectra, layout, ("clean: D",), "zero", "zero test", "")
    finally:
        data.close()
    assert dict(grid.rows)["fixture_webp"][0].text == "all zero: no error"
    assert dict(grid.rows)["fixture_jpeg"][0].src is not None
    assert "All zero (no error at all): fixture_webp clean: D." in grid.caption


def test_a_selection_reports_the_first_images_where_a_later_one_lacks_rows(run_dir, tmp_path):
    """--images N keeps the run's first N images (a curve the last image leaves incomplete is drawn again);
    --severity and --skip-codec narrow it further; what the run cannot meet is one line, nothing written."""
    import sqlite3

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("*-report"))
    with sqlite3.connect(copy / "results.sqlite") as conn:  # the last image was never coded on one input
        last = conn.execute("SELECT MAX(image) FROM results").fetchone()[0]
        corruption = conn.execute("SELECT MIN(corruption) FROM results WHERE severity > 0").fetchone()[0]
        assert conn.execute("DELETE FROM results WHERE image = ? AND corruption = ?", (last, corruption)).rowcount
    points = {}
    for name, args in (("all", ()), ("two", ("--images", "2")),
                       ("narrow", ("--images", "2", "--severity", "3", "--skip-codec", "fixture_webp"))):
        result = oodnic("report", str(copy), "--out", str(tmp_path / name), "--anchor", ANCHOR, *args)
        assert result.returncode == 0, result.stderr
        points[name] = [r for r in read_csv(tmp_path / name / "rd_points.csv") if r["complete"] == "True"]
        images = read_csv(tmp_path / name / "images.csv")
        assert len(images) == (3 if name == "all" else 2) and (name == "all") == (last in {r["image"] for r in images})
    assert corruption not in {r["corruption"] for r in points["all"]}
    assert corruption in {r["corruption"] for r in points["two"]}
    assert {r["severity"] for r in points["two"]} == {"0", "1", "3"}
    assert {(r["codec"], r["severity"]) for r in points["narrow"]} == {("fixture_jpeg", "0"), ("fixture_jpeg", "3"),
                                                                       ("none", "0"), ("none", "3")}
    assert "the run's first 2 images; severities 3 (and the clean input); without fixture_webp" in \
        html.unescape((tmp_path / "narrow" / "report.html").read_text())
    for args, message in ((("--images", "4"), "has rows of 3 images"),
                          (("--skip-codec", "nope"), "--skip-codec nope: not a codec of"),
                          (("--severity", "3,x"), "--severity must be comma-separated integers, got '3,x'")):
        result = oodnic("report", str(copy), "--out", str(tmp_path / "none"), *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none").exists()
