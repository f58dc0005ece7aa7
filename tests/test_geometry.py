"""The paper's geometry: portrait images transposed to landscape, then a 512 x 768 centre crop, before anything else."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from oodnic_platform.dataset import paper_geometry
from oodnic_platform.images import centre_crop
from oodnic_testing import oodnic, rows_of


def test_centre_crop_is_torchvision_s():
    image = np.arange(7 * 9 * 3).reshape(7, 9, 3)
    assert np.array_equal(centre_crop(image, 3, 4), image[2:5, 2:6])  # round((7-3)/2)=2, round((9-4)/2)=2 (banker's)
    padded = centre_crop(np.ones((2, 3, 3)), 4, 6)  # smaller: zero padding, left/top get the floor
    assert padded.shape == (4, 6, 3) and padded[1:3, 1:4].all() and padded.sum() == 2 * 3 * 3


def test_portrait_is_transposed_not_rotated_and_landscape_kept():
    portrait = np.random.default_rng(0).integers(0, 256, (768, 512, 3), dtype=np.uint8)
    assert np.array_equal(paper_geometry(portrait), portrait.transpose(1, 0, 2))
    landscape = portrait.transpose(1, 0, 2)
    assert paper_geometry(landscape) is not landscape and np.array_equal(paper_geometry(landscape), landscape)
    big = np.random.default_rng(1).integers(0, 256, (960, 540, 3), dtype=np.uint8)  # a CLIC portrait
    assert paper_geometry(big).shape == (512, 768, 3)


def test_kodim04_with_paper_geometry_codes_exactly_like_a_transposed_copy(kodak_dir, tmp_path):
    pytest.importorskip("oodnic_jpeg")
    as_stored, transposed = tmp_path / "as-stored", tmp_path / "transposed"
    as_stored.mkdir()
    transposed.mkdir()
    image = np.asarray(Image.open(kodak_dir / "kodim04.png").convert("RGB"))
    assert image.shape == (768, 512, 3)
    Image.fromarray(image).save(as_stored / "kodim04.png")
    Image.fromarray(np.ascontiguousarray(image.transpose(1, 0, 2))).save(transposed / "kodim04.png")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OODNIC_")}
    env["OODNIC_PLUGINS"] = "jpeg"
    common = ["run", "--codec", "jpeg", "--quality", "10,50", "--corruption", "none", "--metric", "psnr",
              "--no-progress"]
    paper = oodnic(*common, "--dataset", str(as_stored), "--dataset-option", "geometry=paper", "--run-dir",
                   str(tmp_path / "paper"), env=env)
    copy = oodnic(*common, "--dataset", str(transposed), "--run-dir", str(tmp_path / "copy"), env=env)
    assert paper.returncode == 0 and copy.returncode == 0, paper.stderr + copy.stderr
    measured = lambda run_dir: {r["quality"]: (r["bpp"], r["psnr"], r["width"], r["height"])  # noqa: E731
                                for r in rows_of(run_dir)}
    assert measured(tmp_path / "paper") == measured(tmp_path / "copy")
    assert {v[2:] for v in measured(tmp_path / "paper").values()} == {(768, 512)}
    as_is = oodnic(*common, "--dataset", str(as_stored), "--run-dir", str(tmp_path / "as-is"), env=env)
    assert as_is.returncode == 0
    assert {q: v[0] for q, v in measured(tmp_path / "as-is").items()} != {q: v[0] for q, v in
                                                                          measured(tmp_path / "paper").items()}
