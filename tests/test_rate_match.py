"""Rate-matched coding end to end: real codecs on Kodak, every target matched, resumable, the matches recorded."""

from __future__ import annotations

import math
import os
import textwrap

import pytest

from oodnic_platform.cli import PRESETS
from oodnic_platform.config import CodecChoice, RunConfig, load_toml
from oodnic_platform.plugins import build_registry
from oodnic_platform.ratesearch import Scale
from oodnic_platform.results import open_run
from oodnic_platform.runner import run
from oodnic_testing import fixture_environ, oodnic, results_table, rows_of


def config(tmp_path, name="run", **overrides) -> RunConfig:
    values = dict(dataset="sample", run_dir=str(tmp_path / name), corruptions=["test_noise"], severities=[2],
                  images=2, workers=1, metrics=["psnr"], codecs=[CodecChoice("quant")], target_bpp=[2.0, 5.0])
    values.update(overrides)
    return RunConfig(**values)


def matches_of(run_dir) -> list:
    with open_run(run_dir) as results:
        return list(results.rate_matches())


def test_an_integer_scale_gets_the_nearest_achievable_quality_of_every_input(fixture_plugins, tmp_path):
    outcome = run(config(tmp_path), progress=False)
    every = run(config(tmp_path, "ladder", target_bpp=[], codecs=[CodecChoice("quant", list(range(1, 9)))]),
                progress=False)
    rates = {}
    for row in rows_of(every.run_dir):
        rates.setdefault((row["image"], row["corruption"]), {})[row["quality"]] = row["bpp"]
    matches = matches_of(outcome.run_dir)
    assert len(matches) == 2 * 2 * 2  # images x inputs x targets
    for m in matches:
        curve = rates[(m.image, m.corruption)]
        nearest = min(curve, key=lambda q: abs(math.log(curve[q] / m.target_bpp)))
        assert (m.quality, m.bpp) == (nearest, curve[nearest]), m
        assert m.met == (abs(m.bpp / m.target_bpp - 1) <= 0.05)
        assert m.reachable[0] >= min(curve.values()) and m.reachable[1] <= max(curve.values())
    probes = rows_of(outcome.run_dir)
    assert len(probes) == outcome.total and outcome.skipped == 0 and outcome.failed == 0
    assert len(probes) < 2 * 2 * 8  # the search coded fewer qualities than the whole range


def test_probes_are_the_rows_a_fixed_quality_run_already_has(fixture_plugins, tmp_path):
    fresh = run(config(tmp_path, "fresh"), progress=False)
    fixed = run(config(tmp_path, target_bpp=[], codecs=[CodecChoice("quant", list(range(1, 9)))]), progress=False)
    before = results_table(fixed.run_dir)
    matched = run(config(tmp_path), progress=False)
    assert matched.skipped == matched.total == fresh.total  # every probe was already a row: nothing coded
    assert results_table(matched.run_dir) == before
    assert matches_of(matched.run_dir) == matches_of(fresh.run_dir)  # the same searches, whatever the store held


def test_a_codec_failing_on_an_image_leaves_that_input_unmatched_and_the_run_ends(fixture_plugins, tmp_path):
    quant = CodecChoice("quant", settings={"fail_on": "108"})  # chelsea's mean pixel value
    outcome = run(config(tmp_path, codecs=[quant], images=3, corruptions=[]), progress=False)
    failing = {r["image"] for r in rows_of(outcome.run_dir, status="error")}
    assert failing and outcome.failed == len(rows_of(outcome.run_dir, status="error"))
    matched = {m.image for m in matches_of(outcome.run_dir)}
    assert matched and not matched & failing


def test_fixed_and_rate_matched_codecs_in_one_toml_grid(tmp_path):
    grid = tmp_path / "grid.toml"
    grid.write_text(textwrap.dedent(f"""
        dataset = "sample"
        run_dir = "{tmp_path / 'run'}"
        images = 1
        corruptions = []
        metrics = ["psnr"]
        target_bpp = [3.0]
        [[codecs]]
        name = "quant"
        qualities = [2, 6]
        [[codecs]]
        name = "quant"
        settings = {{ fail_on = "999" }}
        target_bpp = [1.5, 4.0]
        probes = 2
    """))
    result = oodnic("run", "--config", str(grid), "--no-progress")
    assert result.returncode == 0, result.stderr
    matches = matches_of(tmp_path / "run")
    assert {(m.codec_settings, m.target_bpp) for m in matches} == {('{"fail_on": "999"}', 1.5),
                                                                 ('{"fail_on": "999"}', 4.0)}
    assert all(1 <= m.probes <= 2 for m in matches)
    fixed = [r for r in rows_of(tmp_path / "run") if r["codec_settings"] == '{"fail_on": ""}']
    assert sorted(r["quality"] for r in fixed) == [2, 6]


@pytest.mark.parametrize("args, message", [
    (["--target-bpp", "abc"], "--target-bpp must be comma-separated bpp values"),
    (["--target-bpp", "0.5,0"], "--target-bpp must be positive bpp values"),
    (["--quality", "quant=bpp:-1"], "--quality quant=bpp:-1 must be positive bpp values"),
    (["--quality", "quant=bpp:"], "--quality quant=bpp:: no target rate given"),
    (["--target-bpp", "1", "--rate-tolerance", "1.5"], "rate_tolerance must be between 0 and 1"),
])
def test_bad_rate_options_are_one_line_and_exit_2_with_nothing_written(args, message, tmp_path):
    result = oodnic("run", "--codec", "quant", *args, "--run-dir", str(tmp_path / "run"), "--no-progress",
                    env=fixture_environ())
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "run").exists()


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
    assert "20 of 20 rate targets met within +-5 %" in second.stdout
    assert results_table(tmp_path / "run") == before
    with open_run(tmp_path / "run") as run:
        assert list(run.rate_matches()) == matches
        assert list(run.rate_matches(codec="webp", met=True, target_bpp=0.5)) == \
            [m for m in matches if m.codec == "webp" and m.target_bpp == 0.5]


def test_an_unreachable_target_records_the_codecs_reachable_range(kodak_dir, tmp_path):
    for module in ("oodnic_webp", "oodnic_compressai", "oodnic_imagenet_c"):
        pytest.importorskip(module)
    env = {**real_env("webp", "compressai", "imagenet-c"), "OODNIC_KODAK_DIR": str(kodak_dir)}
    result = oodnic("run", "--dataset", "kodak", "--images", "1", "--codec", "webp", "--codec", "oodnic-tiny-vr",
                    "--target-bpp", "1.0", "--corruption", "contrast", "--severity", "5", "--no-clean", "--metric",
                    "psnr", "--device", "cpu", "--workers", "2", "--no-progress", "--run-dir", str(tmp_path / "run"),
                    env=env)
    assert result.returncode == 0, result.stderr
    matches = {m.codec: m for m in matches_of(tmp_path / "run")}
    webp = matches["webp"]  # kodim01 under contrast 5: webp spans 0.019-0.651 bpp over its whole range
    assert (round(webp.reachable[0], 3), round(webp.reachable[1], 3)) == (0.019, 0.651)
    assert not webp.met and webp.bpp == webp.reachable[1] and webp.quality == 100
    tiny = matches["oodnic-tiny-vr"]
    assert not tiny.met and tiny.bpp == tiny.reachable[1] < 0.5 and tiny.quality == 0.26


def test_the_rate_matched_presets_match_every_paper_codec_but_none():
    registry = build_registry()
    for stem in ("paper-kodak-c", "paper-clic-c"):
        fixed, matched = load_toml(PRESETS / f"{stem}.toml"), load_toml(PRESETS / f"{stem}-rate.toml")
        assert matched.target_bpp == [0.25, 0.5, 1.0] and matched.rate_tolerance == 0.05
        assert (matched.dataset, matched.dataset_options, matched.corruptions, matched.severities) == \
            (fixed.dataset, fixed.dataset_options, fixed.corruptions, fixed.severities)
        assert [c.name for c in matched.codecs] == [c.name for c in fixed.codecs]
        for choice in matched.codecs:
            assert (choice.qualities is None) == (choice.name != "none"), choice
            if choice.name in registry.codecs:
                Scale.of(registry.codecs[choice.name].configure(**choice.settings), choice.probes)
