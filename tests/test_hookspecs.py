"""Every hook and every hook argument is documented, and every hook is implemented and used by a test plugin."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from oodnic_platform import hookspecs
from oodnic_platform.plugins import build_registry, reset_registry

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name, obj in vars(hookspecs).items() if inspect.isfunction(obj) and name.startswith("register_"))
#: what each hook adds to a registry built with the two test plugins (fixture_plugin, extra_plugin)
REGISTERED_BY_TEST_PLUGINS = {
    "register_codecs": lambda r: "quant" in r.codecs,
    "register_corruptions": lambda r: "test_noise" in r.corruptions,
    "register_metrics": lambda r: {"mean_abs_error", "scaled_error"} <= set(r.metrics),
    "register_datasets": lambda r: "gradient" in r.datasets,
    "register_executors": lambda r: "counting" in r.executors,
    "register_commands": lambda r: any(i.plugin_name == "extra_plugin"
                                       for i in r.plugin_manager.hook.register_commands.get_hookimpls()),
}


def test_the_hooks_are_the_documented_ones():
    assert HOOKS == sorted(REGISTERED_BY_TEST_PLUGINS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_argument_is_documented_in_the_hookspec_and_contributing(hook):
    spec = getattr(hookspecs, hook)
    arguments = list(inspect.signature(spec).parameters)
    assert arguments, hook
    for argument in arguments:
        assert re.search(rf":param {argument}: \S", spec.__doc__ or ""), f"{hook}: document :param {argument}:"
    text = (ROOT / "CONTRIBUTING.md").read_text()
    assert re.search(rf"^### `{hook}\({', '.join(arguments)}\)`$", text, re.M), f"CONTRIBUTING.md: ### `{hook}(...)`"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_implemented_and_used_by_a_test_plugin(hook, monkeypatch, fixture_plugins):
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", "fixture_plugin,extra_plugin")
    reset_registry()
    registry = build_registry()
    implementers = {i.plugin_name for i in getattr(registry.plugin_manager.hook, hook).get_hookimpls()}
    assert implementers & {"fixture_plugin", "extra_plugin"}, f"no test plugin implements {hook}"
    assert REGISTERED_BY_TEST_PLUGINS[hook](registry), f"{hook}: the test plugin's registration did not arrive"
