"""Fixtures for the core's tests: the fixture plugin loaded, entry-point plugins kept out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from oodnic_platform.plugins import reset_registry

TESTS = Path(__file__).resolve().parent
OODNIC = [sys.executable, "-c", "from oodnic_platform.cli import main; main()"]


def fixture_environ(**extra: str) -> dict[str, str]:
    """Environment with only the test fixture plugin (no installed entry points)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH", "")]))
    env["OODNIC_PLUGIN_MODULES"] = "fixture_plugin"
    env["OODNIC_PLUGINS"] = ""
    env.update(extra)
    return env


@pytest.fixture
def fixture_plugins(monkeypatch):
    """Load ``tests/fixture_plugin.py`` (codec ``quant``, corruption ``test_noise``) and nothing else."""
    for key, value in fixture_environ().items():
        if key in ("PYTHONPATH", "OODNIC_PLUGIN_MODULES", "OODNIC_PLUGINS"):
            monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(TESTS))
    reset_registry()
    yield
    reset_registry()


def oodnic(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300):
    """Run the ``oodnic`` CLI in a subprocess (fixture plugins only unless ``env`` says otherwise)."""
    return subprocess.run([*OODNIC, *args], env=env or fixture_environ(), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)
