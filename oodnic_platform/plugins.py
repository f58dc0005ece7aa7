"""Plugin discovery and registration: entry points in the ``oodnic_platform`` group plus the built-ins.

Everything a plugin hands the platform is checked at the door
(:mod:`oodnic_platform.contract`). A plugin that fails to import, is built for
another contract version, or raises inside a hook is recorded in
:attr:`Registry.failures`; a registration that breaks the contract, or a name
two plugins claim, is recorded in :attr:`Registry.refused`. Both are shown by
``oodnic plugins`` and never stop the platform.

``OODNIC_PLUGINS`` (comma-separated entry-point names) loads only those
plugins; ``OODNIC_DISABLE_PLUGINS`` skips the named ones;
``OODNIC_PLUGIN_MODULES`` loads importable modules as plugins without packaging.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import logging
import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import pluggy

from . import __version__, hookspecs
from .codec import Codec
from .contract import CHECKS, CONTRACT_VERSION, check_factory
from .corruption import Corruption
from .errors import one_line
from .metric import Metric

log = logging.getLogger(__name__)

DEFAULT_PLUGINS = ("oodnic_platform.default_plugins", "oodnic_platform.default_plugins.datasets")
ALLOW_ENV = "OODNIC_PLUGINS"
BLOCK_ENV = "OODNIC_DISABLE_PLUGINS"
MODULES_ENV = "OODNIC_PLUGIN_MODULES"
KINDS = ("codec", "corruption", "metric", "dataset", "executor")
HOOKS = {kind: f"register_{kind}s" for kind in KINDS}


@dataclass
class PluginInfo:
    name: str
    module: str
    version: str
    distribution: str

    @property
    def label(self) -> str:
        """``distribution version`` (or the module name for unpackaged plugins)."""
        return f"{self.distribution} {self.version}".strip() or self.name


@dataclass(frozen=True)
class Refusal:
    """A registration the platform refused, and why (one line)."""

    plugin: str
    kind: str
    name: str
    reason: str


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
    refused: list[Refusal] = field(default_factory=list)
    #: registered thing ("codec jpeg") -> plugin name that registered it
    owners: dict[str, str] = field(default_factory=dict)
    plugin_manager: pluggy.PluginManager | None = None
    #: (kind, name, settings JSON) -> the configured copy: each is configured once per process
    _configured: dict[tuple[str, str, str], Any] = field(default_factory=dict, repr=False, compare=False)

    def table(self, kind: str) -> dict[str, Any]:
        return getattr(self, f"{kind}s")

    def configured(self, kind: str, name: str, settings: dict[str, Any]) -> Any:
        """The registered codec or metric ``name`` with ``settings`` applied, configured once and reused."""
        key = (kind, name, json.dumps(settings, sort_keys=True, default=str))
        found = self._configured.get(key)
        if found is None:
            registered = self.table(kind)[name]
            found = self._configured[key] = registered.configure(**settings) if settings else registered
        return found

    def plugin_of(self, kind: str, name: str) -> PluginInfo | None:
        owner = self.owners.get(f"{kind} {name}")
        return next((p for p in self.plugins if p.name == owner), None)

    def plugin_label(self, kind: str, name: str) -> str:
        info = self.plugin_of(kind, name)
        return info.label if info else ""


def _env_names(var: str) -> set[str] | None:
    value = os.environ.get(var)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def contract_mismatch(module: Any, dist: importlib.metadata.Distribution | None) -> str | None:
    """Why a plugin cannot load with this core (``None`` if it can): its declared contract or core requirement."""
    declared = getattr(module, "OODNIC_CONTRACT", CONTRACT_VERSION)
    if declared != CONTRACT_VERSION:
        return f"built for plugin contract {declared}; this oodnic-platform {__version__} has contract {CONTRACT_VERSION}"
    if dist is None:
        return None
    from packaging.requirements import InvalidRequirement, Requirement

    for text in dist.requires or ():
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        if requirement.name == "oodnic-platform" and requirement.specifier \
                and not requirement.specifier.contains(__version__, prereleases=True):
            return f"requires oodnic-platform{requirement.specifier}; this is {__version__} (contract {CONTRACT_VERSION})"
    return None


def make_plugin_manager() -> tuple[pluggy.PluginManager, dict[str, str], list[PluginInfo]]:
    """Create the manager and register the built-ins, ``OODNIC_PLUGIN_MODULES`` and entry points."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    failures: dict[str, str] = {}
    infos: list[PluginInfo] = []
    allow, block = _env_names(ALLOW_ENV), _env_names(BLOCK_ENV) or set()

    for module_name in DEFAULT_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
        infos.append(PluginInfo(module_name, module_name, __version__, "oodnic-platform"))
    for module_name in sorted(_env_names(MODULES_ENV) or ()):
        if module_name in block:
            continue
        try:
            module = importlib.import_module(module_name)
            mismatch = contract_mismatch(module, None)
            if mismatch:
                failures[module_name] = mismatch
                continue
            pm.register(module, name=module_name)
        except Exception as exc:
            failures[module_name] = f"failed to load: {one_line(exc)}"
            continue
        infos.append(PluginInfo(module_name, module_name, "", ""))
    for ep in sorted(importlib.metadata.entry_points(group=hookspecs.PROJECT_NAME), key=lambda e: e.name):
        if (allow is not None and ep.name not in allow) or ep.name in block or pm.has_plugin(ep.name):
            continue
        try:
            module = ep.load()
            mismatch = contract_mismatch(module, ep.dist)
            if mismatch:
                failures[ep.name] = mismatch
                continue
            pm.register(module, name=ep.name)
        except Exception as exc:  # a broken plugin must not stop the platform
            failures[ep.name] = f"failed to load: {one_line(exc)}"
            continue
        infos.append(PluginInfo(ep.name, ep.value, ep.dist.version if ep.dist else "", ep.dist.name if ep.dist else ""))
    return pm, failures, infos


def _collect(pm: pluggy.PluginManager, registry: Registry) -> list[tuple[str, str, str, Any]]:
    """Call every registration hook; returns accepted claims (plugin, kind, name, object)."""
    claims: list[tuple[str, str, str, Any]] = []
    for kind in KINDS:
        for impl in getattr(pm.hook, HOOKS[kind]).get_hookimpls():
            plugin = impl.plugin_name

            def register(*args: Any, _kind: str = kind, _plugin: str = plugin) -> None:
                claims.append((_plugin, _kind, *_claim(_kind, _plugin, args, registry)))

            try:
                impl.function(register)
            except Exception as exc:  # contained: reported, the platform goes on
                registry.failures[plugin] = f"{HOOKS[kind]} raised {one_line(exc)}"
    return [c for c in claims if c[2] is not None]


def _claim(kind: str, plugin: str, args: tuple, registry: Registry) -> tuple[str | None, Any]:
    """Check one ``register(...)`` call; a refusal is recorded and gives ``(None, None)``."""
    try:
        if kind in CHECKS:
            if len(args) != 1:
                raise ValueError(f"register a {kind} as register({kind}), got {len(args)} arguments")
            obj = args[0]
            CHECKS[kind](obj)
            return obj.name, obj
        if len(args) != 2:
            raise ValueError(f"register a {kind} as register(name, factory), got {len(args)} arguments")
        check_factory(kind, *args)
        return args[0], args[1]
    except Exception as exc:
        name = getattr(args[0], "name", args[0]) if args else ""
        reason = str(exc) if isinstance(exc, ValueError) else f"checking it raised {one_line(exc)}"
        registry.refused.append(Refusal(plugin, kind, str(name), " ".join(reason.split())))
        return None, None


def build_registry() -> Registry:
    """Load every plugin, check what their hooks register, refuse clashes, and collect the rest by name."""
    pm, failures, infos = make_plugin_manager()
    registry = Registry(plugins=infos, failures=failures, plugin_manager=pm)
    claimants: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for plugin, kind, name, obj in _collect(pm, registry):
        claimants.setdefault((kind, name), []).append((plugin, obj))
    for (kind, name), claims in claimants.items():
        plugins = sorted({plugin for plugin, _ in claims})
        if len(plugins) > 1:
            choice = f"choose one with {BLOCK_ENV}={plugins[-1]} (or {BLOCK_ENV}={plugins[0]}, or {ALLOW_ENV}=...)"
            for plugin in plugins:
                registry.refused.append(Refusal(plugin, kind, name,
                                                f"{kind} {name!r} is claimed by {' and '.join(plugins)}: {choice}"))
            continue
        registry.table(kind)[name] = claims[-1][1]
        registry.owners[f"{kind} {name}"] = plugins[0]
    for name, reason in registry.failures.items():
        warnings.warn(f"oodnic plugin {name}: {reason}", RuntimeWarning, stacklevel=2)
    for refusal in registry.refused:
        warnings.warn(f"oodnic plugin {refusal.plugin}: refused {refusal.kind} {refusal.name!r}: {refusal.reason}",
                      RuntimeWarning, stacklevel=2)
    log.debug("registry: %d codecs, %d corruptions, %d metrics", len(registry.codecs), len(registry.corruptions),
              len(registry.metrics))
    return registry


_REGISTRY: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, built on first use."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = build_registry()
    return _REGISTRY


def use_registry(registry: Registry) -> None:
    """Make ``registry`` this process's registry (what :func:`get_registry` returns)."""
    global _REGISTRY
    _REGISTRY = registry


def reset_registry() -> None:
    """Forget the cached registry (tests, or after installing a plugin)."""
    global _REGISTRY
    _REGISTRY = None
