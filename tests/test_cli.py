"""The command line: plugin hooks for commands, datasets and executors; export; `oodnic corrupt`."""

from __future__ import annotations

import csv
import json
import textwrap

import pytest

from oodnic_testing import fixture_environ, oodnic, results_table




@pytest.fixture
def env():
    return fixture_environ(OODNIC_PLUGIN_MODULES="fixture_plugin,extra_plugin")


def test_plugin_command_dataset_and_executor(env, tmp_path):
    assert oodnic("hello", "world", env=env).stdout == "hello world\n"
    result = oodnic("run", "--dataset", "gradient", "--executor", "counting", "--codec", "quant", "--corruption",
                    "none", "--run-dir", str(tmp_path / "r"), env=env)
    assert result.returncode == 0, result.stderr
    assert "counting-executor" in result.stderr
    assert "3 rows (0 already done)" in result.stdout


def test_user_mistakes_get_one_line_and_exit_2(env, tmp_path):
    for args, message in [
        (["run", "--codec", "nope"], "unknown codec 'nope'"),
        (["run", "--codec", "quant", "--quality", "x"], "quant quality must be a number"),
        (["run", "--codec", "quant:colour"], "settings must be key=value"),
        (["run", "--config", str(tmp_path / "missing.toml")], "config file not found"),
        (["run", "--executor", "nope"], "unknown executor 'nope'"),
        (["export", str(tmp_path)], "no results.sqlite"),
    ]:
        result = oodnic(*args, "--no-progress" if args[0] == "run" else "--format=csv", env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.strip() == f"oodnic: error: {result.stderr.strip().removeprefix('oodnic: error: ')}"
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_toml_config_and_exports(env, tmp_path):
    config = tmp_path / "grid.toml"
    config.write_text(textwrap.dedent(f"""
        dataset = "sample"
        run_dir = "{tmp_path / 'run'}"
        images = 2
        corruptions = ["test_noise"]
        severities = [1, 3]
        [[codecs]]
        name = "quant"
        qualities = [3, 5]
    """))
    assert oodnic("run", "--config", str(config), "--no-progress", env=env).returncode == 0
    run_dir = tmp_path / "run"
    assert oodnic("export", str(run_dir), "--format", "csv", env=env).returncode == 0
    with open(run_dir / "results.csv") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 2 * 3 * 2
    assert oodnic("export", str(run_dir), "--format", "json", env=env).returncode == 0
    document = json.loads((run_dir / "compressai-json" / "quant-test_noise-3.json").read_text())
    assert document["name"] == "quant"
    assert set(document["results"]) >= {"bpp", "psnr-rgb", "ms-ssim-rgb"}
    assert len(document["results"]["bpp"]) == 2 and document["results"]["bpp"][0] < document["results"]["bpp"][1]
    result = oodnic("export", str(run_dir), "--format", "parquet", env=env)
    assert result.returncode == 0, result.stderr
    pq = pytest.importorskip("pyarrow.parquet")
    assert pq.read_table(run_dir / "results.parquet").num_rows == 12


def test_corrupt_writes_a_verifiable_set_that_runs_like_on_the_fly(env, tmp_path):
    out_a, out_b, out_c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    args = ["corrupt", "--dataset", "sample", "--images", "2", "--corruption", "test_noise", "--severity", "1,2"]
    assert oodnic(*args, "--out", str(out_a), env=env).returncode == 0
    assert oodnic(*args, "--out", str(out_b), "--workers", "2", env=env).returncode == 0
    assert oodnic(*args, "--out", str(out_c), "--seed", "7", env=env).returncode == 0
    manifest = json.loads((out_a / "manifest.json").read_text())
    assert (out_a / "manifest.json").read_bytes() == (out_b / "manifest.json").read_bytes()
    assert sorted(manifest["files"]) == sorted(
        [f"clean/{n}.png" for n in ("astronaut", "chelsea")]
        + [f"test_noise/{s}/{n}.png" for s in (1, 2) for n in ("astronaut", "chelsea")]
    )
    other = json.loads((out_c / "manifest.json").read_text())["files"]
    assert all((other[k] == v) == k.startswith("clean/") for k, v in manifest["files"].items())

    run_args = ["run", "--codec", "quant", "--corruption", "test_noise", "--severity", "1,2", "--no-progress"]
    on_the_fly = oodnic(*run_args, "--dataset", "sample", "--images", "2", "--run-dir", str(tmp_path / "r1"), env=env)
    stored = oodnic(*run_args, "--dataset", str(out_a), "--run-dir", str(tmp_path / "r2"), env=env)
    assert on_the_fly.returncode == stored.returncode == 0, stored.stderr
    assert results_table(tmp_path / "r1") == results_table(tmp_path / "r2")

    (out_a / "test_noise" / "1" / "astronaut.png").write_bytes(b"tampered")
    tampered = oodnic(*run_args, "--dataset", str(out_a), "--run-dir", str(tmp_path / "r3"), env=env)
    assert "SHA-256 differs from the manifest" in tampered.stderr + str(results_table(tmp_path / "r3"))


def test_presets_are_listed_and_valid(env):
    from oodnic_platform.cli import PRESETS
    from oodnic_platform.config import load_toml
    from oodnic_platform.plan import select_metrics
    from oodnic_platform.plugins import build_registry

    listing = oodnic("run", "--preset", "list", env=env).stdout
    assert {"paper-kodak-c", "paper-clic-c", "extended-kodak-c"} <= {line.split()[0] for line in listing.splitlines()}
    registry = build_registry()  # every installed plugin: each preset's codecs, settings, qualities and metrics
    paper = {"none", "jpeg", "jpeg2000", "vtm", "oodnic-tiny", "oodnic-hp", "oodnic-hp-wide", "oodnic-tiny-p95", "oodnic-tiny-vr",
             "oodnic-tiny-vr-p95"}
    for path in PRESETS.glob("*.toml"):
        config = load_toml(path)
        assert config.severities == [1, 2, 3, 4, 5] and config.corruptions == ["all"]
        assert config.dataset_options["geometry"] == "paper"
        select_metrics(config, registry)
        for choice in config.codecs:
            if choice.name not in registry.codecs:
                assert choice.optional, f"{path.name}: {choice.name} is not installed and not optional"
                continue
            codec = registry.codecs[choice.name].configure(**choice.settings)
            for quality in choice.qualities or codec.qualities:
                codec.check_quality(quality)
        names = {c.name for c in config.codecs}
        assert names == paper if path.stem.startswith("paper-") else names > paper, path.name
    result = oodnic("run", "--preset", "nope", env=env)
    assert result.returncode == 2 and "unknown preset 'nope'" in result.stderr


def test_lossless_rows_are_kept_and_exported_as_null_with_a_flag(env, tmp_path):
    run_dir = tmp_path / "run"
    result = oodnic("run", "--codec", "none", "--codec", "quant", "--quality", "quant=6", "--severity", "1",
                    "--images", "1", "--run-dir", str(run_dir), "--no-progress", env=env)
    assert result.returncode == 0, result.stderr
    assert "lossless" in result.stdout  # the summary says so rather than averaging infinity away
    exported = oodnic("export", str(run_dir), "--format", "json", env=env)
    assert exported.returncode == 0, exported.stderr

    def strict(constant):
        raise AssertionError(f"{constant} is not JSON")

    documents = {p.stem: json.loads(p.read_text(), parse_constant=strict)
                 for p in (run_dir / "compressai-json").glob("*.json")}
    clean = documents["none-clean-0"]["results"]
    assert clean["psnr-rgb"] == [None] and clean["lossless"] == [True] and clean["bpp"][0] > 24
    noisy = documents["none-test_noise-1"]["results"]
    assert noisy["psnr-rgb"] == [None] and noisy["psnr-rgb-wrt-clean"][0] > 20  # the no-compression baseline
    assert documents["quant-clean-0"]["results"]["lossless"] == [False]
