"""The paper's D / G / R maps: one grid per corruption from a real spectral_paper run, on one linear scale."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from report_testing import make_report, oodnic, write_images

pytest.importorskip("oodnic_spectral")
pytest.importorskip("oodnic_jpeg")
pytest.importorskip("oodnic_imagenet_c")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("paper-spectra")
    run_dir = root / "run"
    done = oodnic("run", "--dataset", str(write_images(root / "images")), "--run-dir", str(run_dir),
                  "--codec", "jpeg", "--quality", "5,30", "--corruption", "gaussian_noise", "--severity", "1,3",
                  "--metric", "psnr", "--metric", "psnr_wrt_clean", "--metric", "spectral_paper", "--workers", "1",
                  "--no-progress", plugins="report,jpeg,imagenet-c,spectral", modules="")
    assert done.returncode == 0, done.stderr
    return make_report(run_dir)


def levels(path) -> np.ndarray:
    """A tile's pixels back to their place on the jet scale (0 to 1), by the nearest of 256 jet colours."""
    from matplotlib import colormaps

    table = colormaps["jet"](np.linspace(0, 1, 256))[:, :3] * 255
    pixels = np.asarray(Image.open(path).convert("RGB"), float).reshape(-1, 3)
    return np.argmin(((pixels[:, None, :] - table[None]) ** 2).sum(-1), axis=1) / 255


def test_one_grid_per_corruption_in_the_paper_layout_on_a_shared_linear_scale(report):
    grid = next(g for g in report.grids if g.title == "spectral_paper: D, G and R on gaussian_noise")
    assert grid.columns == ("clean: D", "gaussian_noise s1", "gaussian_noise s3")
    assert [label for label, _ in grid.rows] == ["jpeg: G", "jpeg: R"]
    (_, g_tiles), (_, r_tiles) = grid.rows
    assert g_tiles[0].src == r_tiles[0].src and len({t.src for t in g_tiles + r_tiles}) == 5  # D drawn once
    out = report.path.parent
    means = {t.src: float(re.match(r"mean (\S+), high ", t.text).group(1)) for t in g_tiles + r_tiles}
    shown = {src: levels(out / src).mean() for src in means}
    # one linear scale: each tile's mean colour level is its plane's mean over the grid's top, the same top for all
    tops = [means[src] / shown[src] for src in means]
    assert max(tops) / min(tops) < 1.1
    top = float(re.search(r"from 0 to (\S+) \(", grid.caption).group(1))
    assert np.median(tops) == pytest.approx(top, rel=0.1)
    assert len(set(means.values())) == 5


def test_a_run_without_the_papers_spectra_says_why(tmp_path):
    done = oodnic("run", "--dataset", str(write_images(tmp_path / "images")), "--run-dir", str(tmp_path / "run"),
                  "--codec", "jpeg", "--quality", "5,30", "--corruption", "gaussian_noise", "--severity", "1",
                  "--metric", "psnr", "--metric", "spectral:planes=false", "--workers", "1", "--no-progress",
                  plugins="report,jpeg,imagenet-c,spectral", modules="")
    assert done.returncode == 0, done.stderr
    report = make_report(tmp_path / "run")
    assert not [g for g in report.grids if g.title.startswith("spectral_paper")]
    reasons = {s.item: s.reason for s in report.skipped}
    assert reasons["The paper's error spectra (D, G, R maps)"].startswith("no metric saved the paper's spectra")
