"""Shared pytest fixtures: where the reference image sets are, or a skip saying why not.

Set ``OODNIC_KODAK_DIR`` / ``OODNIC_WIKIPEDIA_DIR`` (or pass ``--kodak-dir`` /
``--wikipedia-dir``); by default the ``../shared/datasets`` copies beside the
checkout are used where they exist.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent / "shared" / "datasets"


def pytest_addoption(parser):
    parser.addoption("--kodak-dir", default=None, help="folder with kodim01.png .. kodim24.png")
    parser.addoption("--wikipedia-dir", default=None, help="folder with the wikipedia-photos set")


def _find(config, option: str, env: str, default: Path) -> Path | None:
    for candidate in (config.getoption(option), os.environ.get(env), default):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def kodak_dir(pytestconfig) -> Path:
    path = _find(pytestconfig, "--kodak-dir", "OODNIC_KODAK_DIR", SHARED / "kodak")
    if path is None:
        pytest.skip("Kodak not found: set OODNIC_KODAK_DIR or --kodak-dir (../shared/datasets/kodak is absent)")
    return path


@pytest.fixture(scope="session")
def wikipedia_dir(pytestconfig) -> Path:
    path = _find(pytestconfig, "--wikipedia-dir", "OODNIC_WIKIPEDIA_DIR", SHARED / "wikipedia-photos")
    if path is None:
        pytest.skip("wikipedia-photos not found: set OODNIC_WIKIPEDIA_DIR (../shared/datasets/wikipedia-photos is absent)")
    return path
