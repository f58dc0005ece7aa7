"""Shared pytest set-up for this repository.

The fixtures every plugin's tests use (``kodak_dir``, ``wikipedia_dir``, ``available``; the options
``--kodak-dir`` / ``--wikipedia-dir``) come from the conformance kit's pytest plugin
(``oodnic_platform.testing.contracts``, entry point ``pytest11``), so they work outside this repository too.
"""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config):
    """Tests that press Ctrl-C on a subprocess need SIGINT to reach it as KeyboardInterrupt.

    A suite started in the background (``cmd &`` in a script, ``nohup``) inherits SIGINT ignored, and an ignored
    signal stays ignored across exec, so those children would never see it; a handled one is reset at exec.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def temp_root(tmp_path, monkeypatch) -> Path:
    """A private folder for ``tempfile``, to check code that runs tools leaves nothing behind."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root
