"""Fixtures for the core's tests: the fixture plugin loaded, entry-point plugins kept out."""

from __future__ import annotations

import pytest

from oodnic_platform.plugins import reset_registry
from oodnic_testing import TESTS, fixture_environ


@pytest.fixture
def fixture_plugins(monkeypatch):
    """Load ``tests/fixture_plugin.py`` (codec ``quant``, corruption ``test_noise``) and nothing else."""
    for key in ("PYTHONPATH", "OODNIC_PLUGIN_MODULES", "OODNIC_PLUGINS"):
        monkeypatch.setenv(key, fixture_environ()[key])
    monkeypatch.syspath_prepend(str(TESTS))
    reset_registry()
    yield
    reset_registry()


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A folder on sys.path for plugin modules a test writes, with no other plugin loaded."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("OODNIC_PLUGINS", "")
    monkeypatch.delenv("OODNIC_DISABLE_PLUGINS", raising=False)
    reset_registry()
    yield tmp_path
    reset_registry()
