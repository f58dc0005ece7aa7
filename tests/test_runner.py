"""The runner: grid expansion, resume, determinism, error rows, accumulating metrics."""

from __future__ import annotations

import json

import pytest

from oodnic_platform.cli import skip_selected_codecs
from oodnic_platform.config import CodecChoice, ConfigError, RunConfig
from oodnic_platform.plan import default_codec_choices
from oodnic_platform.plugins import get_registry
from oodnic_platform.runner import run
from oodnic_platform.results import open_run
from oodnic_testing import results_table, rows_of


def config(tmp_path, name="run", **overrides) -> RunConfig:
    values = dict(dataset="sample", run_dir=str(tmp_path / name), severities=[1, 2], images=2, workers=1,
                  codecs=[CodecChoice("quant", [3, 6])])
    values.update(overrides)
    return RunConfig(**values)



def test_grid_has_one_row_per_image_variant_codec_quality(fixture_plugins, tmp_path):
    outcome = run(config(tmp_path), progress=False)
    rows = rows_of(outcome.run_dir)
    assert outcome.total == len(rows) == 2 * (1 + 2) * 2  # images x (clean + 2 severities) x qualities
    assert {(r["corruption"], r["severity"]) for r in rows} == {("clean", 0), ("test_noise", 1), ("test_noise", 2)}
    clean = [r for r in rows if r["corruption"] == "clean"]
    assert all(r["psnr"] == r["psnr_wrt_clean"] for r in clean)
    noisy = [r for r in rows if r["corruption"] != "clean"]
    assert all(r["psnr_wrt_clean"] < r["psnr"] for r in noisy if r["quality"] == 6)
    assert all(r["bpp"] == pytest.approx(8 * r["num_bytes"] / (256 * 256)) for r in rows)
    row = rows[0]
    assert row["status"] == "ok" and row["codec_version"] == "1.0"
    assert json.loads(row["codec_settings"]) == {"fail_on": ""}


def test_rerun_skips_finished_rows_and_changes_nothing(fixture_plugins, tmp_path):
    first = run(config(tmp_path), progress=False)
    before = results_table(first.run_dir)
    second = run(config(tmp_path), progress=False)
    assert second.skipped == second.total
    assert results_table(second.run_dir) == before


def test_same_seed_same_inputs_other_seed_other_noise(fixture_plugins, tmp_path):
    a = results_table(run(config(tmp_path, "a"), progress=False).run_dir)
    b = results_table(run(config(tmp_path, "b"), progress=False).run_dir)
    c = results_table(run(config(tmp_path, "c", seed=1), progress=False).run_dir)
    assert a == b
    noisy = lambda rows: sorted(r["psnr_wrt_clean"] for r in rows if r["corruption"] != "clean")
    clean = lambda rows: sorted(r["psnr"] for r in rows if r["corruption"] == "clean")
    assert noisy(a) != noisy(c)
    assert clean(a) == clean(c)


def test_parallel_workers_give_the_same_table(fixture_plugins, tmp_path):
    one = results_table(run(config(tmp_path, "one"), progress=False).run_dir)
    two = results_table(run(config(tmp_path, "two", workers=2, images_per_chunk=1), progress=False).run_dir)
    assert one == two


def test_a_failing_codec_becomes_error_rows_and_the_rest_completes(fixture_plugins, tmp_path):
    cfg = config(tmp_path, codecs=[CodecChoice("quant", [4], {"fail_on": "108"})])  # chelsea's mean pixel value
    outcome = run(cfg, progress=False)
    rows = rows_of(outcome.run_dir)
    failed = [r for r in rows if r["status"] == "error"]
    assert outcome.failed == len(failed) == 1  # noise shifts the mean of the corrupted copies
    assert (failed[0]["image"], failed[0]["corruption"]) == ("chelsea.png", "clean")
    assert failed[0]["error"] == "codec: RuntimeError: quant refuses mean 108"
    assert all(r["status"] == "ok" for r in rows if r["image"] != "chelsea.png")


def test_accumulating_metric_sums_once_per_image_across_resume(fixture_plugins, tmp_path):
    run(config(tmp_path, images=1), progress=False)
    outcome = run(config(tmp_path, images=2), progress=False)  # every group gains a row: summed again
    with open_run(outcome.run_dir) as results:
        groups = results.arrays("mean_abs_error")
    assert len(groups) == 3 * 2  # variants x qualities
    for group in groups:
        assert group.load()["mean"].shape == (16, 16, 3)
        assert group.metadata()["metric"] == "mean_abs_error"
        assert (group.rows, group.complete) == (2, True)
        assert int(group.metadata()["rows"]) == 2


def test_sample_crops_are_saved_for_the_first_image(fixture_plugins, tmp_path):
    outcome = run(config(tmp_path), progress=False)
    with open_run(outcome.run_dir) as results:
        crops = results.samples()
        first = results.rows(image="astronaut.png")
    assert {c.key for c in crops if c.key} == {r["key"] for r in first}
    assert {(c.corruption, c.severity) for c in crops if not c.key} == {("clean", 0), ("test_noise", 1), ("test_noise", 2)}


@pytest.mark.parametrize("change, message", [
    (dict(codecs=[CodecChoice("nope")]), "unknown codec 'nope'"),
    (dict(corruptions=["nope"]), "unknown corruption 'nope'"),
    (dict(severities=[9]), "has no severity 9"),
    (dict(codecs=[CodecChoice("quant", None, {"speed": 3})]), "has no setting speed"),
    (dict(metrics=["nope"]), "unknown metric 'nope'"),
    (dict(device="tpu"), "--device must be"),
])
def test_user_mistakes_are_one_line_config_errors(fixture_plugins, tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        run(config(tmp_path, **change), progress=False)


def test_fixture_registry_is_isolated(fixture_plugins):
    registry = get_registry()
    assert set(registry.codecs) == {"quant", "offset", "none"}  # none: the built-in baseline


def test_optional_codecs_are_skipped_with_a_warning(fixture_plugins, tmp_path):
    cfg = config(tmp_path, codecs=[CodecChoice("quant", [4]), CodecChoice("not-installed", optional=True)],
                 corruptions=[])
    with pytest.warns(RuntimeWarning, match="skipping optional codec not-installed"):
        outcome = run(cfg, progress=False)
    assert {r["codec"] for r in rows_of(outcome.run_dir)} == {"quant"}


def test_metric_settings_and_the_default_selection(fixture_plugins, tmp_path):
    plain = rows_of(run(config(tmp_path, "plain", corruptions=[]), progress=False).run_dir)
    assert "scaled_error" not in plain[0]  # default = False keeps it out of "all"
    one = rows_of(run(config(tmp_path, "one", corruptions=[], metrics=["scaled_error"]), progress=False).run_dir)
    two = rows_of(run(config(tmp_path, "two", corruptions=[], metrics=["scaled_error:factor=2"]), progress=False).run_dir)
    assert [2 * r["scaled_error"] for r in one] == pytest.approx([r["scaled_error"] for r in two])
    assert "psnr" in plain[0] and plain[0]["psnr"] is not None
    with pytest.raises(ConfigError, match="scaled_error setting factor must be of type float"):
        run(config(tmp_path, "bad", metrics=["scaled_error:factor=x"]), progress=False)


def test_default_codec_selection_leaves_out_codecs_not_default_and_skip_codec_drops_one(fixture_plugins, monkeypatch):
    registry = get_registry()
    everything = [c.name for c in default_codec_choices(registry)]
    assert {"quant", "offset"} <= set(everything)
    monkeypatch.setattr(type(registry.codecs["offset"]), "default", False)
    assert [c.name for c in default_codec_choices(registry)] == [n for n in everything if n != "offset"]
    chosen = RunConfig(codecs=[CodecChoice("quant"), CodecChoice("offset")])
    skip_selected_codecs(chosen, ("offset",))
    assert [c.name for c in chosen.codecs] == ["quant"]
    with pytest.raises(ConfigError, match="--skip-codec offset: not selected"):
        skip_selected_codecs(chosen, ("offset",))
