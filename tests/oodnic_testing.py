"""Helpers for the core's tests: run the CLI in a subprocess with only the fixture plugin."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

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


def oodnic(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 300):
    """Run the ``oodnic`` CLI in a subprocess (fixture plugins only unless ``env`` says otherwise)."""
    return subprocess.run([*OODNIC, *args], env=env or fixture_environ(), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def rows_of(run_dir: Path, status: str | None = None) -> list[dict]:
    """Every row of a run folder (or those of one ``status``), through the public results API."""
    from oodnic_platform.results import open_run

    with open_run(run_dir) as run:
        return run.rows(status=status)


def results_table(run_dir: Path) -> list[dict]:
    """The results table ordered by key, without the wall-clock timing columns."""
    from oodnic_platform.store import TIMING_COLUMNS

    conn = sqlite3.connect(Path(run_dir) / "results.sqlite")
    conn.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in conn.execute("SELECT * FROM results ORDER BY key")]
    finally:
        conn.close()
    return [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in rows]


def temp_venv(folder: Path) -> Path:
    """A throwaway virtual environment that also sees this interpreter's packages; returns its python.

    Plugins under test are pip-installed into it, never into the environment running the tests.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    parent = sysconfig.get_paths()["purelib"]
    Path(site, "_oodnic_parent.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    return python


def pip_install(python: Path, package: Path) -> None:
    subprocess.run([python, "-m", "pip", "--disable-pip-version-check", "-q", "install", "--no-deps",
                    "--no-build-isolation", str(package)], check=True, capture_output=True)


def oodnic_in(python: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300):
    """Run the ``oodnic`` CLI with another environment's python (e.g. a :func:`temp_venv`)."""
    return subprocess.run([str(python), "-c", "from oodnic_platform.cli import main; main()", *args],
                          env=env or dict(os.environ), capture_output=True, text=True, timeout=timeout)


def markdown_block(text: str, caption: str) -> str:
    """The fenced code block that follows the line ``caption`` in a Markdown text."""
    match = re.search(re.escape(caption) + r"\s*\n+```[a-z]*\n(.*?)\n```", text, re.S)
    assert match, f"no code block after {caption!r}"
    return match.group(1) + "\n"
