"""Misuse users met: misspelt names, odd lists, read-only run folders; each one line and exit status 2."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from oodnic_testing import OODNIC, fixture_environ, oodnic


def one_line_error(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oodnic: error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("args, message", [
    (["--codec", "quantt"], "unknown codec 'quantt' (did you mean 'quant'? installed: "),
    (["--codec", "quant", "--corruption", "test_nois"], "did you mean 'test_noise'?"),
    (["--codec", "quant", "--metric", "mean_abs_eror"], "did you mean 'mean_abs_error'?"),
    (["--codec", "quant", "--dataset", "sampel"], "no such dataset or folder: sampel (did you mean 'sample'?"),
    (["--preset", "paper-kodak"], "unknown preset 'paper-kodak' (did you mean 'paper-kodak-c'"),
    (["--codec", "quant", "--executor", "locl"], "unknown executor 'locl' (did you mean 'local'?"),
    (["--skip-codec", "quantt", "--codec", "quant"], "--skip-codec quantt: not selected (did you mean 'quant'?"),
    (["--codec", "quant", "--corruption", "none", "--corruption", "test_noise"], "'none' stands alone"),
    (["--codec", "quant", "--corruption", "all", "--corruption", "test_noise"], "'all' stands alone"),
    (["--codec", "quant", "--quality", "2,,4"], "--quality '2,,4': empty value"),
    (["--codec", "quant", "--severity", "1,"], "--severity '1,': empty value"),
    (["--codec", "quant", "--quality", "1e308"], "quant quality must be in 1..8, not 1e+308"),
    (["--codec", "quant", "--scheduler", "tcp://127.0.0.1:9"], "--scheduler needs an executor that uses a scheduler"),
])
def test_run_mistakes_are_one_line_with_a_hint(tmp_path, args, message):
    line = one_line_error(oodnic("run", "--no-progress", "--run-dir", str(tmp_path / "r"), *args))
    assert message in line and len(line) < 400, line
    assert not (tmp_path / "r").exists()


def test_an_executor_option_it_does_not_take_is_named(tmp_path):
    config = tmp_path / "grid.toml"
    config.write_text('executor = "local"\n[executor_options]\nscheduler = "tcp://127.0.0.1:9"\n')
    line = one_line_error(oodnic("run", "--config", str(config), "--codec", "quant"))
    assert "executor local takes no option 'scheduler'" in line and "__init__" not in line


def test_export_of_a_missing_run_names_the_run_not_the_output(tmp_path):
    line = one_line_error(oodnic("export", str(tmp_path / "nope")))
    assert f"no results.sqlite in {tmp_path / 'nope'}" in line and "--out" not in line


@pytest.fixture
def read_only_run(tmp_path):
    """A finished run folder made read-only; when the tests run as root its reader drops the capabilities that
    let root write anywhere (see :func:`as_reader`)."""
    outside = Path(tempfile.mkdtemp(prefix="oodnic-ro-"))
    run_dir = outside / "run"
    done = oodnic("run", "--no-progress", "--codec", "quant", "--corruption", "none", "--images", "2",
                  "--run-dir", str(run_dir))
    assert done.returncode == 0, done.stderr
    os.chmod(outside, 0o755)
    for path in [run_dir, *run_dir.rglob("*")]:
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    yield run_dir
    for path in [run_dir, *run_dir.rglob("*")]:
        os.chmod(path, 0o755)
    shutil.rmtree(outside)


def as_reader(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``oodnic ARGS`` unable to write the read-only run: as root, without the capabilities that override file
    permissions (not as another user, who could not read a checkout in a private folder such as ``mktemp -d``'s)."""
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--inh-caps=-all"] \
        if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *OODNIC, *args], env={**fixture_environ(), "HOME": str(cwd)}, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_a_read_only_run_folder_is_readable_and_writing_into_it_is_one_line(read_only_run, tmp_path):
    before = sorted(p.name for p in read_only_run.iterdir())
    out = Path(tempfile.mkdtemp(prefix="oodnic-out-"))
    os.chmod(out, 0o777)
    try:
        listed = as_reader("errors", str(read_only_run), cwd=out)
        assert listed.returncode == 0 and listed.stderr.strip() == f"0 failed row(s) in {read_only_run}", listed.stderr
        exported = as_reader("export", str(read_only_run), "--out", str(out / "rows.csv"), cwd=out)
        assert exported.returncode == 0, exported.stderr
        assert len((out / "rows.csv").read_text().strip().splitlines()) == 1 + 2 * 3  # 2 images x 3 qualities
        line = one_line_error(as_reader("export", str(read_only_run), cwd=out))
        assert "default output" in line and "give --out elsewhere" in line and "not writable" in line
        line = one_line_error(as_reader("run", "--no-progress", "--codec", "quant", "--run-dir", str(read_only_run),
                                        cwd=out))
        assert f"cannot use run folder {read_only_run}" in line
    finally:
        shutil.rmtree(out)
    assert sorted(p.name for p in read_only_run.iterdir()) == before


def test_a_repaired_image_supersedes_its_failed_rows(tmp_path):
    """A truncated file fails; replaced by a good one and run again, its new rows replace the old error rows in
    errors, export and readers; --all still lists them; putting the bad file back makes the old rows current
    again (and the good ones superseded)."""
    import numpy as np
    from PIL import Image

    from oodnic_platform.results import open_run

    folder = tmp_path / "images"
    folder.mkdir()
    Image.fromarray(np.full((24, 32, 3), 120, np.uint8)).save(folder / "good.png")
    good = (folder / "good.png").read_bytes()
    broken = good[: len(good) // 2]
    (folder / "fixed.png").write_bytes(broken)
    args = ["run", "--no-progress", "--dataset", str(folder), "--codec", "quant", "--corruption", "none",
            "--run-dir", str(tmp_path / "run")]
    first = oodnic(*args)
    assert first.returncode == 1 and "3 of 6 rows failed" in first.stderr, first.stderr
    (folder / "fixed.png").write_bytes(good)
    second = oodnic(*args)
    assert second.returncode == 0 and "6 rows (3 already done)" in second.stdout, second.stderr
    listed = oodnic("errors", str(tmp_path / "run"))
    assert listed.returncode == 0 and listed.stdout == "" and listed.stderr.startswith("0 failed row(s)")
    every = oodnic("errors", str(tmp_path / "run"), "--all")
    assert every.stdout.count("fixed.png clean/0 quant") == 3 and every.stdout.count("(superseded)") == 3
    for flags, rows in (([], 6), (["--all"], 9)):
        out = tmp_path / f"rows{len(flags)}.csv"
        assert oodnic("export", str(tmp_path / "run"), "--out", str(out), *flags).returncode == 0
        with open(out, newline="") as handle:
            assert len(list(csv.DictReader(handle))) == rows
    with open_run(tmp_path / "run") as run:
        current = run.rows(status=None)
        assert len(current) == 6 and all(r["status"] == "ok" and r["superseded_by"] is None for r in current)
        assert run.count() == 6 and len(run.rows(status=None, superseded=True)) == 9
    (folder / "fixed.png").write_bytes(broken)
    third = oodnic(*args)
    assert third.returncode == 1 and "3 of 6 rows failed" in third.stderr
    assert oodnic("errors", str(tmp_path / "run")).stdout.count("fixed.png clean/0 quant q") == 3
    with open_run(tmp_path / "run") as run:
        assert [r["image"] for r in run.rows(status="ok")] == ["good.png"] * 3
