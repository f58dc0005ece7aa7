"""Fixtures for the Dask tests: a fixture plugin visible to every process, a real scheduler and workers.

The fixture plugin is not installed: a throw-away ``.dist-info`` with its entry
point goes on ``PYTHONPATH``, so the driver (``oodnic run`` subprocesses, or
this process through ``fixture_registry``) and every ``dask worker`` subprocess
load it, while the shared virtual environment stays untouched.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from dask_testing import CONFIG, ENTRY_POINT, HERE, PLUGINS, Cluster, oodnic_run


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> Path:
    """A folder holding the fixture plugin module and a dist-info declaring its entry point."""
    site = tmp_path_factory.mktemp("site")
    shutil.copy(HERE / "dask_fixture_plugin.py", site)
    info = site / "oodnic_dask_test_fixture-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: oodnic-dask-test-fixture\nVersion: 0.0.0\n")
    (info / "entry_points.txt").write_text(f"[oodnic_platform]\n{ENTRY_POINT} = dask_fixture_plugin\n")
    return site


@pytest.fixture(scope="session")
def fixture_env(fixture_site) -> dict[str, str]:
    """Environment for driver and worker subprocesses that see the fixture plugin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OODNIC_DASK_TEST_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(fixture_site), env.get("PYTHONPATH")]))
    env["OODNIC_PLUGINS"] = PLUGINS
    env.pop("OODNIC_DISABLE_PLUGINS", None)
    return env


@pytest.fixture
def fixture_registry(monkeypatch, fixture_site):
    """This process's registry with the fixture plugin (and only it, besides the built-ins and dask)."""
    from oodnic_platform import get_registry
    from oodnic_platform.testing import reset_registry

    monkeypatch.syspath_prepend(str(fixture_site))
    monkeypatch.setenv("OODNIC_PLUGINS", PLUGINS)
    reset_registry()
    yield get_registry()
    reset_registry()


@pytest.fixture(scope="session")
def grid_config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "grid.toml"
    path.write_text(CONFIG)
    return path


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory, grid_config, fixture_env) -> Path:
    """The grid run by the default local executor: what every Dask run must reproduce."""
    run_dir = tmp_path_factory.mktemp("reference")
    done = oodnic_run(grid_config, run_dir, fixture_env)
    assert done.returncode == 0, done.stderr
    return run_dir


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, fixture_env):
    """A scheduler with one steady worker; tests add (and remove) the others they need."""
    cluster = Cluster(tmp_path_factory.mktemp("cluster"), fixture_env)
    try:
        cluster.start_worker("steady")
        yield cluster
    finally:
        cluster.close()
