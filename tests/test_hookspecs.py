"""Every hook is documented in CONTRIBUTING.md and implemented by a test plugin (datasette's rule)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from oodnic_platform import hookspecs

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name, obj in vars(hookspecs).items() if inspect.isfunction(obj) and name.startswith("register_"))


def test_the_contract_names_the_issue_asks_for():
    assert {"register_codecs", "register_corruptions", "register_metrics"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_documented(hook):
    text = (ROOT / "CONTRIBUTING.md").read_text()
    assert re.search(rf"^#+ .*`{hook}\(", text, re.M), f"CONTRIBUTING.md needs a heading for {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_exercised_by_a_test_plugin(hook):
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").glob("*.py"))
    assert re.search(rf"def {hook}\(", sources), f"no test plugin implements {hook}"
