"""The report of a real run: every figure the data allows, tables as CSV, skips explained, identical bytes."""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
from pathlib import Path

import pytest
from report_testing import make_report, make_run, oodnic

from oodnic_report.analysis import analyse
from oodnic_report.context import Context
from oodnic_report.fourier import fourier_section
from oodnic_report.plotting import style
from oodnic_report.robustness import robustness_section
from oodnic_report.rundata import load_run
from oodnic_report.samples import samples_section

EXPECTED_FIGURES = {
    "rd-psnr-by-input", "rd-ms_ssim-by-input", "rd-psnr-by-frequency", "rd-ms_ssim-by-frequency",
    "robustness-heatmap", "headline-by-frequency", "spectra-fixture_spectra-G", "spectra-fixture_spectra-R",
    "spectra-fixture_spectra-radial",
}


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    return make_run(tmp_path_factory.getbasetemp() / "oodnic-report-run")


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_report_has_every_figure_the_run_allows(run_dir):
    report = make_report(run_dir)
    out = report.path.parent
    stems = {Path(f.png).stem for f in report.figures}
    assert stems == EXPECTED_FIGURES
    for figure in report.figures:
        assert (out / figure.png).stat().st_size > 1000 and (out / figure.svg).stat().st_size > 1000
        assert re.search(r"\b3 images\b", figure.caption), figure.caption
    assert [s.item for s in report.skipped] == ["Fourier heat maps"]
    page = report.path.read_text()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    external = [s for s in sources if re.match(r"^[a-z]+:", s) and s != "data:,"]
    assert sources and external == []  # offline: no URL, only files beside the page
    assert all((out / s).is_file() for s in sources if not s.startswith(("#", "data:")))
    assert "<script" not in page and "Fourier heat maps</b>: no fourier_heatmap_" in page
    crops = re.findall(r'<img src="(samples/[^"]+)"', page)
    assert len(crops) == 4 * (1 + 2)  # (clean + 3 corruptions) x (codec input, 2 codecs)


def test_tables_are_written_as_csv_and_measure_robustness(run_dir):
    out = make_report(run_dir).path.parent
    rows = {(r["codec"], r["corruption"]): r for r in read_csv(out / "robustness.csv")}
    assert set(rows) == {(c, k) for c in ("fixture_jpeg", "fixture_webp")
                         for k in ("fixture_noise", "fixture_blur", "fixture_contrast")}
    for codec in ("fixture_jpeg", "fixture_webp"):
        noise, blur = rows[(codec, "fixture_noise")], rows[(codec, "fixture_blur")]
        # noise adds detail the codec must spend bits on; blur removes it
        assert float(noise["psnr_drop"]) > 2.0 and float(blur["psnr_drop"]) < -2.0
        assert float(blur["bd_rate_percent"]) < -20.0
        assert float(noise["psnr_wrt_clean"]) < float(noise["psnr_clean"])
    matrix = read_csv(out / "robustness-psnr-drop.csv")
    assert [r["codec"] for r in matrix] == ["fixture_jpeg", "fixture_webp"]
    jpeg_noise = rows[("fixture_jpeg", "fixture_noise")]
    assert float(matrix[0]["fixture_noise"]) == pytest.approx(float(jpeg_noise["psnr_drop"]))
    headline = read_csv(out / "headline.csv")
    assert {r["group"] for r in headline} == {"clean", "low", "medium", "high"}
    for group in ("clean", "low", "medium", "high"):
        mine = [r for r in headline if r["group"] == group]
        best = max(mine, key=lambda r: float(r["psnr"]))
        assert [r["codec"] for r in mine if r["best_generalisation"] == "True"] == [best["codec"]]
    points = read_csv(out / "rd-points.csv")
    assert len(points) == 2 * 4 * 4 and all(r["images"] == "3" for r in points)


def test_cli_report_is_byte_identical_to_an_earlier_build(run_dir, tmp_path):
    first = make_report(run_dir).path.parent
    result = oodnic("report", str(run_dir), "--out", str(tmp_path / "again"))
    assert result.returncode == 0, result.stderr
    assert "9 figures" in result.stdout and "skipped: Fourier heat maps: no fourier_heatmap_" in result.stdout
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    again = sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*") if p.is_file())
    assert files == again and len(files) > 30
    different = [p for p in files if (first / p).read_bytes() != (tmp_path / "again" / p).read_bytes()]
    assert different == []


@pytest.mark.skipif(importlib.util.find_spec("oodnic_spectral") is None, reason="oodnic-spectral is not installed")
def test_fourier_heat_maps_are_shown_and_missing_samples_explained(run_dir, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    shutil.rmtree(copy / "samples")
    result = oodnic("fourier-heatmap", "--codec", "fixture_jpeg", "--quality", "40", "--dataset",
                    str(run_dir.parent / "images"), "--images", "1", "--grid", "3", "--crop", "32", "--device", "cpu",
                    "--out", str(copy / "fourier"), plugins="report,spectral")
    assert result.returncode == 0, result.stderr
    data = load_run(copy)
    ctx = Context(data, analyse(data.rows), tmp_path / "out")
    with style():
        fourier, samples = fourier_section(ctx), samples_section(ctx)
    assert [Path(f.png).name for f in fourier.items] == ["fourier-heatmaps.png"]
    assert (tmp_path / "out" / "figures" / "fourier-heatmaps.svg").is_file()
    assert "fixture_jpeg q=40 on 1 image of images" in fourier.items[0].caption
    assert samples.items == [] and [s.item for s in ctx.skipped] == ["Sample reconstructions"]


def test_clean_only_run_skips_robustness_with_a_reason(run_dir, tmp_path):
    data = load_run(run_dir)
    data.rows = [r for r in data.rows if r["corruption"] == "clean"]
    ctx = Context(data, analyse(data.rows), tmp_path)
    assert robustness_section(ctx).items == []
    assert {s.item: s.reason for s in ctx.skipped}["Robustness tables and heat map"] == "the run has no corrupted input"


def test_missing_store_is_a_one_line_error(tmp_path):
    result = oodnic("report", str(tmp_path))
    assert result.returncode != 0 and "no results.sqlite in" in result.stderr
