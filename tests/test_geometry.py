"""The paper's geometry in the paper's order: corrupt the image as stored, then transpose and centre-crop 512 x 768."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from oodnic_platform import file_sha256
from oodnic_platform.corruption import corrupt
from oodnic_platform.dataset import paper_geometry
from oodnic_platform.default_plugins.datasets import Clic2020Dataset
from oodnic_platform.images import centre_crop, read_image
from oodnic_platform.plugins import get_registry
from oodnic_testing import oodnic, results_table, rows_of


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


def plugin_env(*plugins: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OODNIC_")}
    env["OODNIC_PLUGINS"] = ",".join(plugins)
    return env


def none_bitstream_sha256(image: np.ndarray) -> str:
    """What the ``none`` codec's row records for ``image``: the SHA-256 of its header and raw pixels."""
    return hashlib.sha256(np.array(image.shape[:2], dtype="<u4").tobytes() + image.tobytes()).hexdigest()


@pytest.fixture
def kodim04_folder(kodak_dir, tmp_path) -> Path:
    """A folder holding only kodim04 (the portrait image), for runs with the imagenet-c plugin."""
    pytest.importorskip("oodnic_imagenet_c")
    folder = tmp_path / "kodak"
    folder.mkdir()
    shutil.copy(kodak_dir / "kodim04.png", folder / "kodim04.png")
    return folder


def test_paper_geometry_corrupts_kodim04_as_stored_then_transposes(kodim04_folder, tmp_path):
    folder, env = kodim04_folder, plugin_env("imagenet-c")
    common = ["run", "--dataset", str(folder), "--codec", "none", "--corruption", "motion_blur", "--severity", "3",
              "--no-clean", "--metric", "bpp", "--no-progress"]
    paper = oodnic(*common, "--dataset-option", "geometry=paper", "--run-dir", str(tmp_path / "paper"), env=env)
    as_is = oodnic(*common, "--run-dir", str(tmp_path / "as-is"), env=env)
    assert paper.returncode == 0 and as_is.returncode == 0, paper.stderr + as_is.stderr
    [row] = rows_of(tmp_path / "paper")
    stored, sha = read_image(folder / "kodim04.png"), file_sha256(folder / "kodim04.png")
    motion_blur = get_registry().corruptions["motion_blur"]
    paper_order = corrupt(motion_blur, stored, 3, 0, sha).transpose(1, 0, 2)  # Kodak-C's file, then the loader
    assert (row["width"], row["height"]) == (768, 512)
    assert row["bitstream_sha256"] == none_bitstream_sha256(np.ascontiguousarray(paper_order))
    old_order = corrupt(motion_blur, np.ascontiguousarray(stored.transpose(1, 0, 2)), 3, 0, sha)
    assert np.abs(old_order.astype(int) - paper_order).mean() > 1  # the blur's direction turned with the image
    assert row["image_sha256"] not in (sha, hashlib.sha256(f"{sha}|geometry=paper".encode()).hexdigest())
    [stored_row] = rows_of(tmp_path / "as-is")  # as-is rows are keyed by the file's own hash, as before
    assert stored_row["image_sha256"] == sha and stored_row["key"] != row["key"]
    assert stored_row["bitstream_sha256"] == none_bitstream_sha256(corrupt(motion_blur, stored, 3, 0, sha))


def test_materialised_sets_run_under_paper_geometry_give_the_rows_of_corrupting_on_the_fly(kodim04_folder, tmp_path):
    folder, env = kodim04_folder, plugin_env("imagenet-c")
    make = ["corrupt", "--dataset", str(folder), "--corruption", "motion_blur", "--severity", "3", "--workers", "1"]
    stored_set = oodnic(*make, "--out", str(tmp_path / "kodak-c"), env=env)  # as the paper's Kodak-C: as stored
    paper_set = oodnic(*make, "--dataset-option", "geometry=paper", "--out", str(tmp_path / "kodak-c-paper"), env=env)
    assert stored_set.returncode == 0 and paper_set.returncode == 0, stored_set.stderr + paper_set.stderr
    common = ["run", "--codec", "none", "--corruption", "motion_blur", "--severity", "3", "--metric", "bpp",
              "--no-progress"]
    runs = {
        "fly": [*common, "--dataset", str(folder), "--dataset-option", "geometry=paper"],
        "stored-set": [*common, "--dataset", str(tmp_path / "kodak-c"), "--dataset-option", "geometry=paper"],
        "paper-set": [*common, "--dataset", str(tmp_path / "kodak-c-paper")],
    }
    for name, args in runs.items():
        done = oodnic(*args, "--run-dir", str(tmp_path / name), env=env)
        assert done.returncode == 0, done.stderr
    assert len(results_table(tmp_path / "fly")) == 2  # clean and motion_blur s3
    assert results_table(tmp_path / "stored-set") == results_table(tmp_path / "fly")
    assert results_table(tmp_path / "paper-set") == results_table(tmp_path / "fly")
    twice = oodnic(*runs["paper-set"], "--dataset-option", "geometry=paper", "--run-dir", str(tmp_path / "x"), env=env)
    assert twice.returncode == 2 and "written with geometry paper: it takes no geometry option" in twice.stderr
    manifest = tmp_path / "kodak-c" / "manifest.json"
    older = {k: v for k, v in json.loads(manifest.read_text()).items() if k != "paper_transposes"}
    manifest.write_text(json.dumps(older))  # as sets written before the manifest recorded the rule
    old_set = oodnic(*runs["stored-set"], "--run-dir", str(tmp_path / "y"), env=env)
    assert old_set.returncode == 2 and len(old_set.stderr.strip().splitlines()) == 1
    assert "does not record how its source transposes images" in old_set.stderr


CLIC_RULE = Clic2020Dataset.paper_transposes


def test_clic_transposes_only_pil_size_540_by_960_then_crops_like_torchvision():
    rng = np.random.default_rng(3)
    tall = rng.integers(0, 256, (960, 540, 3), dtype=np.uint8)  # PIL size (540, 960)
    np.testing.assert_array_equal(paper_geometry(tall, CLIC_RULE), tall.transpose(1, 0, 2)[14:526, 96:864])
    other = rng.integers(0, 256, (900, 600, 3), dtype=np.uint8)  # PIL size (600, 900): a portrait left as it is
    expected = np.zeros((512, 768, 3), np.uint8)
    expected[:, 84:684] = other[194:706]  # CenterCrop pads the width 84 + 84, crops rows round(388 / 2) = 194 on
    np.testing.assert_array_equal(paper_geometry(other, CLIC_RULE), expected)
    assert not np.array_equal(paper_geometry(other), paper_geometry(other, CLIC_RULE))  # unlike every-portrait
