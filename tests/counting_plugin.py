"""Test fixture: counts, per process, every file hash and every codec or metric configured (appended to a log).

Loaded next to ``fixture_plugin`` through ``OODNIC_PLUGIN_MODULES``, so every worker process imports it too;
``OODNIC_TEST_COUNT_LOG`` names the log file. It registers nothing.
"""

from __future__ import annotations

import os

from oodnic_platform import files, settings

LOG = os.environ["OODNIC_TEST_COUNT_LOG"]
_digest = files.file_digest
_configure = settings.Configurable.configure


def _note(line: str) -> None:
    with open(LOG, "a") as handle:
        handle.write(f"{os.getpid()} {line}\n")


def counting_digest(path, algorithm="sha256"):
    _note(f"hash {os.path.basename(path)}")
    return _digest(path, algorithm)


def counting_configure(self, **values):
    _note(f"configure {self.name}")
    return _configure(self, **values)


files.file_digest = counting_digest
settings.Configurable.configure = counting_configure
