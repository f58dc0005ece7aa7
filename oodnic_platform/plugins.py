"""Plugin discovery: entry points in the ``oodnic_platform`` group plus the built-ins.

A plugin that fails to import, or raises inside a hook, is recorded in
:attr:`Registry.failures` (shown by ``oodnic plugins`` and warned about) and
does not stop the platform. ``OODNIC_PLUGINS`` (comma-separated entry-point
names) loads only those plugins; ``OODNIC_DISABLE_PLUGINS`` skips the named ones.
``OODNIC_PLUGIN_MODULES`` (comma-separated importable module names) loads
modules as plugins without packaging them: handy while writing one.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import pluggy

from . import hookspecs
from .codec import Codec
from .corruption import Corruption
from .metric import Metric

DEFAULT_PLUGINS = (
    "oodnic_platform.default_plugins.metrics",
    "oodnic_platform.default_plugins.datasets",
    "oodnic_platform.default_plugins.executors",
)
ALLOW_ENV = "OODNIC_PLUGINS"
BLOCK_ENV = "OODNIC_DISABLE_PLUGINS"
MODULES_ENV = "OODNIC_PLUGIN_MODULES"


@dataclass
class PluginInfo:
    name: str
    module: str
    version: str
    distribution: str


@dataclass
class Registry:
    """Everything the loaded plugins registered, by name."""

    codecs: dict[str, Codec] = field(default_factory=dict)
    corruptions: dict[str, Corruption] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    datasets: dict[str, Callable[..., Any]] = field(default_factory=dict)
    executors: dict[str, Callable[..., Any]] = field(default_factory=dict)
    plugins: list[PluginInfo] = field(default_factory=list)
    #: plugin name -> one-line reason it (or one of its hooks) failed
    failures: dict[str, str] = field(default_factory=dict)
    #: registered thing ("codec jpeg") -> plugin name that registered it
    owners: dict[str, str] = field(default_factory=dict)
    plugin_manager: pluggy.PluginManager | None = None


def _env_names(var: str) -> set[str] | None:
    value = os.environ.get(var)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def make_plugin_manager() -> tuple[pluggy.PluginManager, dict[str, str], list[PluginInfo]]:
    """Create the manager and register the built-ins, ``OODNIC_PLUGIN_MODULES`` and entry points."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    failures: dict[str, str] = {}
    infos: list[PluginInfo] = []
    allow, block = _env_names(ALLOW_ENV), _env_names(BLOCK_ENV) or set()
    from . import __version__

    for module_name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
        infos.append(PluginInfo(module_name, module_name, __version__, "oodnic-platform"))
    for module_name in sorted(_env_names(MODULES_ENV) or ()):
        if module_name in block:
            continue
        try:
            pm.register(importlib.import_module(module_name), name=module_name)
        except Exception as exc:
            failures[module_name] = f"failed to load: {_one_line(exc)}"
            continue
        infos.append(PluginInfo(module_name, module_name, "", ""))
    for ep in sorted(importlib.metadata.entry_points(group=hookspecs.PROJECT_NAME), key=lambda e: e.name):
        if (allow is not None and ep.name not in allow) or ep.name in block or pm.has_plugin(ep.name):
            continue
        dist = ep.dist.name if ep.dist else ""
        version = ep.dist.version if ep.dist else ""
        try:
            module = ep.load()
            pm.register(module, name=ep.name)
        except Exception as exc:  # a broken plugin must not stop the platform
            failures[ep.name] = f"failed to load: {_one_line(exc)}"
            continue
        infos.append(PluginInfo(ep.name, ep.value, version, dist))
    return pm, failures, infos


def build_registry() -> Registry:
    """Load every plugin and collect what their hooks register."""
    pm, failures, infos = make_plugin_manager()
    registry = Registry(plugins=infos, failures=failures)
    current: list[str] = [""]

    def registrar(kind: str, table: dict) -> Callable:
        def register(*args: Any) -> None:
            if len(args) == 1:
                obj = args[0]
                key = obj.name
            else:
                key, obj = args
            if not key:
                raise ValueError(f"a {kind} needs a non-empty name")
            owner = registry.owners.get(f"{kind} {key}")
            if owner is not None and owner != current[0]:
                raise ValueError(f"{kind} {key!r} is already registered by {owner}")
            table[key] = obj
            registry.owners[f"{kind} {key}"] = current[0]

        return register

    hooks = (
        ("register_codecs", "codec", registry.codecs),
        ("register_corruptions", "corruption", registry.corruptions),
        ("register_metrics", "metric", registry.metrics),
        ("register_datasets", "dataset", registry.datasets),
        ("register_executors", "executor", registry.executors),
    )
    for hook_name, kind, table in hooks:
        register = registrar(kind, table)
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            current[0] = impl.plugin_name
            try:
                impl.function(register)
            except Exception as exc:  # contained: reported, platform goes on
                registry.failures[impl.plugin_name] = f"{hook_name} raised {_one_line(exc)}"
    for name, reason in registry.failures.items():
        warnings.warn(f"oodnic plugin {name}: {reason}", RuntimeWarning, stacklevel=2)
    registry.plugin_manager = pm
    return registry


_REGISTRY: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = build_registry()
    return _REGISTRY


def reset_registry() -> None:
    """Forget the cached registry (tests, or after installing a plugin)."""
    global _REGISTRY
    _REGISTRY = None
