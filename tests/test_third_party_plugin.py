"""A throwaway third-party plugin package, pip-installed, seen by `oodnic plugins` and used by `oodnic run`."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from oodnic_testing import oodnic, fixture_environ

PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "oodnic-thirdparty-example"
version = "0.3.0"
dependencies = ["oodnic-platform"]

[project.entry-points.oodnic_platform]
thirdparty = "oodnic_thirdparty_example"
"""

MODULE = '''
"""A third-party plugin: a bit-depth codec, an inversion corruption and a mean-error metric."""
import numpy as np
from oodnic_platform import Codec, Corruption, Metric, hookimpl


class BitDepth(Codec):
    name = "bitdepth"
    qualities = (3, 5)

    def version(self):
        return "0.3.0"

    def encode(self, image, quality):
        h, w, _ = image.shape
        return bytes([quality]) + h.to_bytes(4, "little") + w.to_bytes(4, "little") + (image >> (8 - quality)).tobytes()

    def decode(self, data):
        q, h, w = data[0], int.from_bytes(data[1:5], "little"), int.from_bytes(data[5:9], "little")
        return (np.frombuffer(data[9:], np.uint8).reshape(h, w, 3) << (8 - q)).astype(np.uint8)


class Invert(Corruption):
    name = "invert"
    frequency = "low"

    def apply(self, image, severity, rng):
        return (255 - image).astype(np.uint8)


class MeanError(Metric):
    name = "mean_error"

    def compute(self, sample):
        return float(np.mean(sample.input.astype(float) - sample.reconstruction))


@hookimpl
def register_codecs(register):
    register(BitDepth())


@hookimpl
def register_corruptions(register):
    register(Invert())


@hookimpl
def register_metrics(register):
    register(MeanError())
'''


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory):
    root = tmp_path_factory.mktemp("thirdparty")
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "oodnic_thirdparty_example.py").write_text(textwrap.dedent(MODULE))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "--no-build-isolation", str(root)], check=True)
    yield
    subprocess.run([*pip, "uninstall", "-y", "oodnic-thirdparty-example"], check=True)


def test_installed_plugin_is_listed_and_used_by_run(installed_plugin, tmp_path):
    env = fixture_environ(OODNIC_PLUGINS="thirdparty", OODNIC_PLUGIN_MODULES="")
    listing = oodnic("plugins", env=env)
    assert "thirdparty oodnic-thirdparty-example 0.3.0" in listing.stdout
    assert "codec      bitdepth" in listing.stdout and "corruption invert" in listing.stdout
    assert "metric     mean_error" in listing.stdout

    run_dir = tmp_path / "run"
    result = oodnic("run", "--dataset", "sample", "--images", "1", "--codec", "bitdepth", "--corruption", "invert",
                    "--severity", "1", "--metric", "psnr", "--metric", "mean_error", "--run-dir", str(run_dir),
                    "--no-progress", env=env)
    assert result.returncode == 0, result.stderr
    import sqlite3

    conn = sqlite3.connect(run_dir / "results.sqlite")
    got = conn.execute("SELECT corruption, quality, plugin, mean_error, psnr FROM results ORDER BY corruption, quality").fetchall()
    assert [(c, q, p) for c, q, p, _, _ in got] == [
        ("clean", 3, "oodnic-thirdparty-example 0.3.0"), ("clean", 5, "oodnic-thirdparty-example 0.3.0"),
        ("invert", 3, "oodnic-thirdparty-example 0.3.0"), ("invert", 5, "oodnic-thirdparty-example 0.3.0"),
    ]
    assert all(error > 0 for *_, error, _ in got)  # truncation only ever lowers pixel values
