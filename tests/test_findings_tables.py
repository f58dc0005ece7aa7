"""docs/findings_tables.py on a tiny real run: Tables A and E give a column per band-fraction formula."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from oodnic_platform.results import open_run
from oodnic_testing import oodnic

pytest.importorskip("oodnic_report")
pytest.importorskip("oodnic_spectral")
pytest.importorskip("oodnic_jpeg")
pytest.importorskip("oodnic_imagenet_c")
SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "findings_tables.py"


def load_script():
    spec = importlib.util.spec_from_file_location("findings_tables", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run_dirs(tmp_path_factory) -> dict[str, Path]:
    """The sample images, JPEG at three qualities, clean and gaussian_noise s3: with and without spectral_paper."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OODNIC_")}
    env["OODNIC_PLUGINS"] = "jpeg,imagenet-c,spectral"
    root = tmp_path_factory.mktemp("findings")
    common = ["run", "--dataset", "sample", "--codec", "jpeg", "--quality", "2,10,60", "--corruption",
              "gaussian_noise", "--severity", "3", "--metric", "psnr", "--metric", "psnr_wrt_clean",
              "--metric", "spectral:planes=false", "--workers", "1", "--no-progress"]
    runs = {"both": [*common, "--metric", "spectral_paper:planes=false"], "power": common}
    for name, args in runs.items():
        done = oodnic(*args, "--run-dir", str(root / name), env=env)
        assert done.returncode == 0, done.stderr
    return {name: root / name for name in runs}


def table_lines(text: str, title: str) -> list[list[str]]:
    """The cells of the markdown table under the heading that starts with ``title``."""
    block = text.split(title, 1)[1].split("###", 1)[0]
    return [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines() if line.startswith("|")]


def expected_paper_share(run_dir: Path, corruption: str, kind: str, band: int) -> float:
    """spectral_paper's group band fraction per quality, interpolated in log bpp at 0.4 (the tables' rule)."""
    with open_run(run_dir) as run:
        points = []
        for group in run.arrays("spectral_paper"):
            if group.meta["corruption"] == corruption:
                rows = run.rows(corruption=corruption, quality=group.meta["quality"])
                share = group.load([f"{kind}_band_fraction"])[f"{kind}_band_fraction"][band]
                points.append((np.mean([r["bpp"] for r in rows]), share))
    rates, shares = zip(*sorted(points))
    assert rates[0] < 0.4 < rates[-1]
    return float(np.interp(np.log(0.4), np.log(rates), shares))


def test_tables_a_and_e_give_a_column_per_formula_when_the_run_has_both(run_dirs, capsys):
    tables = load_script()
    tables.main(str(run_dirs["both"]))
    text = capsys.readouterr().out
    header, _, jpeg = table_lines(text, "### A.")
    assert header[4:] == [f"D {b} @0.4 ({f})" for f in ("power", "paper") for b in ("low", "mid", "high")]
    assert jpeg[0] == "jpeg" and "n/a" not in jpeg
    assert float(jpeg[9]) == pytest.approx(expected_paper_share(run_dirs["both"], "clean", "D", 2), abs=6e-4)
    assert float(jpeg[6]) != float(jpeg[9])  # power and paper shares are different numbers
    header, _, jpeg = table_lines(text, "### E.")
    assert header[9:] == ["high G (power)", "high G (paper)", "high R (power)", "high R (paper)"]
    paper_g = float(jpeg[10].split()[0])
    assert paper_g == pytest.approx(expected_paper_share(run_dirs["both"], "gaussian_noise", "G", 2), abs=6e-4)


def test_a_run_without_spectral_paper_keeps_the_power_columns_alone(run_dirs, capsys):
    load_script().main(str(run_dirs["power"]))
    text = capsys.readouterr().out
    header, _, jpeg = table_lines(text, "### A.")
    assert header[4:] == [f"D {b} @0.4 (power)" for b in ("low", "mid", "high")] and len(jpeg) == 7
    assert table_lines(text, "### E.")[0][1:] == [f"{g} {k} (power)" for g in ("low", "medium", "high")
                                                   for k in ("G", "R")]


def test_rate_matched_values_interpolate_in_log_bpp_between_the_bracketing_rows():
    bracketed = load_script().bracketed
    rows = [{"bpp": 0.1, "psnr": 25.0, "psnr_wrt_clean": 20.0}, {"bpp": 0.4, "psnr": 31.0, "psnr_wrt_clean": 22.0},
            {"bpp": 0.9, "psnr": 35.0, "psnr_wrt_clean": 23.0}]
    assert bracketed(rows, 0.2) == pytest.approx((28.0, 21.0))  # halfway in log bpp between 0.1 and 0.4
    assert bracketed(rows, 0.4) == pytest.approx((31.0, 22.0))
    assert bracketed(rows, 0.05) is None and bracketed(rows[:1], 0.1) is None  # no extrapolation


def test_table_g_summarises_the_heat_maps_saved_in_the_run(run_dirs, capsys):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OODNIC_")}
    env["OODNIC_PLUGINS"] = "jpeg,imagenet-c,spectral"
    done = oodnic("fourier-heatmap", "--codec", "jpeg", "--quality", "10", "--dataset", "sample", "--images", "1",
                  "--grid", "3", "--crop", "32", "--workers", "1", "--out", str(run_dirs["power"]), env=env)
    assert done.returncode == 0, done.stderr
    load_script().heat_maps(str(run_dirs["power"]))
    header, _, jpeg = table_lines(capsys.readouterr().out, "### G.")
    assert jpeg[:4] == ["jpeg", "10", "3 x 3", "1"] and header[6] == "vs input 0-7"
    assert jpeg[7:9] == ["n/a", "n/a"]  # a 3 x 3 map has no basis beyond 1 cycle


def test_table_g_minutes_add_up_over_resumed_runs_and_estimate_untimed_bases():
    minutes = load_script().map_minutes
    assert minutes({"measure_seconds": 60.0, "timed_seconds": 600.0, "timed_bases": 5}, 5) == "10.0"
    assert minutes({"measure_seconds": 60.0, "timed_seconds": 120.0, "timed_bases": 2}, 5) == "5.0 (est. from 2 bases)"
    assert minutes({"measure_seconds": 90.0}, 5) == "1.5"  # a map measured before bases were timed
