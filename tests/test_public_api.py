"""Plugins depend only on the core's documented public API, never on core internals or on another plugin."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import oodnic_platform

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").is_file())


def imports(path: Path) -> list[tuple[str, str | None, int]]:
    """(module, imported name or None, line) of every import in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
    return found


def own_packages(plugin: Path) -> set[str]:
    return {p.name for p in plugin.iterdir() if (p / "__init__.py").is_file()}


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda p: p.name)
def test_plugin_imports_only_the_public_api(plugin):
    own = own_packages(plugin)
    local = {p.stem for p in plugin.rglob("*.py")}  # a plugin's tests may import their own helper modules
    problems = []
    for path in sorted(plugin.rglob("*.py")):
        for module, name, line in imports(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            top = module.split(".")[0]
            if top == "oodnic_platform":
                if module not in oodnic_platform.PUBLIC_MODULES:
                    problems.append(f"{where} imports core internal {module}")
                elif module == "oodnic_platform" and name is not None and name not in oodnic_platform.__all__ \
                        and f"oodnic_platform.{name}" not in oodnic_platform.PUBLIC_MODULES:
                    problems.append(f"{where} imports {name}, not in oodnic_platform.__all__")
            elif top.startswith("oodnic_") and top not in own and top not in local:
                problems.append(f"{where} imports another plugin's package {module}")
    assert not problems, "\n".join(problems)


def test_the_public_modules_exist_and_say_what_they_export():
    import importlib

    for name in oodnic_platform.PUBLIC_MODULES:
        module = importlib.import_module(name)
        assert module.__doc__, name
    assert set(oodnic_platform.__all__) <= set(dir(oodnic_platform))


def test_all_is_exactly_the_documented_table():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    row = next(line for line in text.splitlines() if line.startswith("| `oodnic_platform` |"))
    documented = re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", row.split("|")[2])
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(oodnic_platform.__all__)
