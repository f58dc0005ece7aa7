"""Shared pytest fixtures: where the reference image sets are, or a skip saying why not.

Set ``OODNIC_KODAK_DIR`` / ``OODNIC_WIKIPEDIA_DIR`` (or pass ``--kodak-dir`` /
``--wikipedia-dir``); by default the ``../shared/datasets`` copies beside the
checkout are used where they exist. Tests of external binaries (bpgenc, VTM) use
``available``: a skip saying why when the binary is missing, a failure under
``OODNIC_REQUIRE_BINARIES=1`` (set by CI, which builds them).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent / "shared" / "datasets"


def pytest_configure(config):
    """Tests that press Ctrl-C on a subprocess need SIGINT to reach it as KeyboardInterrupt.

    A suite started in the background (``cmd &`` in a script, ``nohup``) inherits SIGINT ignored, and an ignored
    signal stays ignored across exec, so those children would never see it; a handled one is reset at exec.
    """
    import signal

    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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


@pytest.fixture
def temp_root(tmp_path, monkeypatch) -> Path:
    """A private folder for ``tempfile``, to check code that runs tools leaves nothing behind."""
    import tempfile

    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture(scope="session")
def available():
    """``available(codec)`` returns the codec if usable, else skips (fails under ``OODNIC_REQUIRE_BINARIES=1``)."""

    def check(codec):
        reason = codec.unavailable_reason()
        if reason:
            outcome = pytest.fail if os.environ.get("OODNIC_REQUIRE_BINARIES") == "1" else pytest.skip
            outcome(f"the {codec.name} codec is unavailable: {reason}")
        return codec

    return check
