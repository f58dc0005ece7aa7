"""Rate-matched coding end to end: real codecs on Kodak, every target matched, resumable, the matches recorded."""

from __future__ import annotations

import os

import pytest

from oodnic_platform.results import open_run
from oodnic_testing import oodnic, results_table


def real_env(*plugins: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OODNIC_") or k.endswith("_DIR")}
    env["OODNIC_PLUGINS"] = ",".join(plugins)
    return env


def test_every_image_input_codec_and_target_gets_an_ok_row_within_tolerance(kodak_dir, tmp_path):
    pytest.importorskip("oodnic_jpeg2000")
    pytest.importorskip("oodnic_webp")
    pytest.importorskip("oodnic_imagenet_c")
    env = {**real_env("jpeg2000", "webp", "imagenet-c"), "OODNIC_KODAK_DIR": str(kodak_dir)}
    args = ["run", "--dataset", "kodak", "--images", "1", "--codec", "jpeg2000:mode=paper", "--codec", "webp",
            "--target-bpp", "0.5,1.0", "--corruption", "gaussian_noise", "--corruption", "contrast",
            "--severity", "1,3", "--metric", "psnr", "--workers", "2", "--no-progress", "--run-dir",
            str(tmp_path / "run")]
    first = oodnic(*args, env=env)
    assert first.returncode == 0, first.stderr
    with open_run(tmp_path / "run") as run:
        rows = {r["key"]: r for r in run.rows(status=None)}
        matches = list(run.rate_matches())
    inputs = {("clean", 0), ("gaussian_noise", 1), ("gaussian_noise", 3), ("contrast", 1), ("contrast", 3)}
    assert {(m.corruption, m.severity, m.codec, m.target_bpp) for m in matches} == \
        {(*i, c, t) for i in inputs for c in ("jpeg2000", "webp") for t in (0.5, 1.0)}
    for m in matches:
        row = rows[m.row_key]
        assert row["status"] == "ok" and row["quality"] == m.quality and row["bpp"] == m.bpp, m
        assert m.met and abs(m.bpp / m.target_bpp - 1) <= 0.05, m
        assert m.reachable[0] <= m.bpp <= m.reachable[1] and m.probes >= 1
    assert all(r["status"] == "ok" for r in rows.values())
    # every probe is a row of its own quality: no (input, codec, quality) coded twice
    coded = [(r["corruption"], r["severity"], r["codec"], r["quality"]) for r in rows.values()]
    assert len(coded) == len(set(coded))
    before = results_table(tmp_path / "run")
    second = oodnic(*args, env=env)
    assert second.returncode == 0 and f"{len(rows)} rows ({len(rows)} already done)" in second.stdout
    assert results_table(tmp_path / "run") == before
    with open_run(tmp_path / "run") as run:
        assert list(run.rate_matches()) == matches
        assert list(run.rate_matches(codec="webp", met=True, target_bpp=0.5)) == \
            [m for m in matches if m.codec == "webp" and m.target_bpp == 0.5]
