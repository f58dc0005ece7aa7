"""Third-party plugin packages, pip-installed into a throwaway venv (never the one running the tests).

CONTRIBUTING.md's example package is built from the document's own text; an
"outsider" package with hyphenated names (the shape that once broke every run on
a machine) must work end to end, with its metric in a valid, documented column.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from oodnic_testing import markdown_block, oodnic_in, pip_install, rows_of, temp_venv

ROOT = Path(__file__).resolve().parent.parent

OUTSIDER_PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "acme-oodnic"
version = "0.3.0"
dependencies = ["oodnic-platform>=1,<2"]

[project.entry-points.oodnic_platform]
acme = "acme_oodnic"
"""

OUTSIDER = '''
"""An outsider's plugin, written against the public names only, with hyphenated names everywhere."""
import numpy as np
from oodnic_platform import Codec, Corruption, Metric, hookimpl


class Downsample(Codec):
    name = "acme-downsample"
    qualities = (2, 1)
    quality_range = (1, 8)

    def version(self):
        return "acme 0.3.0"

    def encode(self, image, quality):
        h, w, _ = image.shape
        small = image[::quality, ::quality]
        return bytes([quality]) + h.to_bytes(4, "little") + w.to_bytes(4, "little") + small.tobytes()

    def decode(self, data):
        q, h, w = data[0], int.from_bytes(data[1:5], "little"), int.from_bytes(data[5:9], "little")
        small = np.frombuffer(data[9:], np.uint8).reshape(-(-h // q), -(-w // q), 3)
        return np.repeat(np.repeat(small, q, axis=0), q, axis=1)[:h, :w].copy()


class Vignette(Corruption):
    name = "acme-vignette"
    frequency = "low"

    def apply(self, image, severity, rng):
        h, w, _ = image.shape
        y, x = np.mgrid[-1:1:h * 1j, -1:1:w * 1j]
        gain = 1 - 0.1 * severity * rng.uniform(0.9, 1.1) * (x**2 + y**2)
        return np.clip(image * gain[:, :, None], 0, 255).astype(np.uint8)


class MaxAbsError(Metric):
    name = "acme-max-abs-error"

    def compute(self, sample):
        return {"acme_max_abs_error": float(np.abs(sample.input.astype(int) - sample.reconstruction).max())}


@hookimpl
def register_codecs(register):
    register(Downsample())


@hookimpl
def register_corruptions(register):
    register(Vignette())


@hookimpl
def register_metrics(register):
    register(MaxAbsError())
'''


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    return temp_venv(tmp_path_factory.mktemp("venv") / "env")


def package(folder: Path, pyproject: str, module: str, source: str) -> Path:
    folder.mkdir()
    (folder / "pyproject.toml").write_text(textwrap.dedent(pyproject))
    (folder / f"{module}.py").write_text(textwrap.dedent(source))
    return folder


def environ(plugin: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OODNIC_")}
    env["OODNIC_PLUGINS"] = plugin  # this entry point only (plus the built-ins)
    return env


def test_contributing_example_package_is_built_and_used(venv, tmp_path):
    text = (ROOT / "CONTRIBUTING.md").read_text()
    source = package(tmp_path / "oodnic-posterize", markdown_block(text, "`pyproject.toml`:"), "oodnic_posterize",
                     markdown_block(text, "`oodnic_posterize.py`:"))
    pip_install(venv, source)
    env = environ("posterize")
    listing = oodnic_in(venv, "plugins", env=env)
    assert listing.returncode == 0, listing.stderr
    assert "posterize  oodnic-posterize 0.1.0" in listing.stdout
    for line in ("codec      posterize", "corruption vignette", "metric     max_error"):
        assert line in listing.stdout
    result = oodnic_in(venv, "run", "--dataset", "sample", "--images", "1", "--codec", "posterize", "--corruption",
                       "vignette", "--severity", "1,5", "--metric", "psnr", "--metric", "max_error", "--run-dir",
                       str(tmp_path / "run"), "--no-progress", env=env)
    assert result.returncode == 0, result.stderr
    rows = rows_of(tmp_path / "run")
    assert len(rows) == 1 * 3 * 3 and all(r["status"] == "ok" for r in rows)
    assert {r["plugin"] for r in rows} == {"oodnic-posterize 0.1.0"}
    assert all(r["max_error"] >= 0 for r in rows)


def test_an_outsider_plugin_with_hyphenated_names_runs_and_breaks_nothing(venv, tmp_path):
    pip_install(venv, package(tmp_path / "acme", OUTSIDER_PYPROJECT, "acme_oodnic", OUTSIDER))
    env = environ("acme")
    listing = oodnic_in(venv, "plugins", env=env)
    assert listing.returncode == 0 and "REFUSED" not in listing.stdout, listing.stdout
    assert "metric     acme-max-abs-error" in listing.stdout

    own = oodnic_in(venv, "run", "--dataset", "sample", "--images", "1", "--codec", "acme-downsample", "--corruption",
                    "acme-vignette", "--severity", "2", "--run-dir", str(tmp_path / "own"), "--no-progress", env=env)
    assert own.returncode == 0, own.stderr
    # every installed metric runs by default: another codec's run must not break because of it
    other = oodnic_in(venv, "run", "--dataset", "sample", "--images", "1", "--codec", "none", "--corruption", "none",
                      "--run-dir", str(tmp_path / "other"), "--no-progress", env=env)
    assert other.returncode == 0, other.stderr
    for run_dir in ("own", "other"):
        rows = rows_of(tmp_path / run_dir)
        assert rows and all(r["status"] == "ok" for r in rows)
        assert all(r["acme_max_abs_error_acme_max_abs_error"] is not None for r in rows)
    conn = sqlite3.connect(tmp_path / "own" / "results.sqlite")
    assert "acme_max_abs_error_acme_max_abs_error" in [r[1] for r in conn.execute("PRAGMA table_info(results)")]


def test_a_package_built_for_another_core_major_version_is_refused_at_load(venv, tmp_path):
    future = OUTSIDER_PYPROJECT.replace('name = "acme-oodnic"', 'name = "acme-future"').replace(
        '"oodnic-platform>=1,<2"', '"oodnic-platform>=2,<3"').replace("acme = ", "acme-future = ")
    pip_install(venv, package(tmp_path / "future", future, "acme_future", OUTSIDER.replace("acme-", "future-")))
    listing = oodnic_in(venv, "plugins", env=environ("acme-future"))
    assert listing.returncode == 0, listing.stderr
    assert "acme-future  FAILED: requires oodnic-platform<3,>=2; this is 1.0.0 (contract 1)" in listing.stdout
    assert "future-downsample" not in listing.stdout.replace("FAILED", "")


KIT_TESTS = '''
from oodnic_posterize import MaxError, Posterize, Vignette

from oodnic_platform.testing import CodecContract, CorruptionContract, MetricContract


class TestPosterize(CodecContract):
    codec = Posterize()


class TestVignette(CorruptionContract):
    corruption = Vignette()
    stochastic = True


class TestMaxError(MetricContract):
    metric = MaxError()
'''


def test_contributing_example_passes_the_conformance_kit_outside_this_repository(tmp_path):
    """The page's module, and three kit classes, in a bare folder: the kit and its pytest plugin need no conftest."""
    text = (ROOT / "CONTRIBUTING.md").read_text()
    (tmp_path / "oodnic_posterize.py").write_text(markdown_block(text, "`oodnic_posterize.py`:"))
    (tmp_path / "test_kit.py").write_text(KIT_TESTS)
    (tmp_path / "test_fixtures.py").write_text("def test_the_kit_fixtures_are_there(available, request):\n"
                                               "    assert request.getfixturevalue('available')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
                             str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "failed" not in result.stdout and " passed" in result.stdout
