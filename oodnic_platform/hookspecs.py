"""Hook specifications: the whole plugin contract of oodnic-platform.

Every hook receives a ``register`` callable (or the click group, for
``register_commands``) and calls it once per thing it contributes. Built-in
features are registered through these same hooks (see ``default_plugins``).
"""

from __future__ import annotations

from typing import Callable

import pluggy

PROJECT_NAME = "oodnic_platform"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def register_codecs(register: Callable) -> None:
    """Register codecs: ``register(codec)`` with a :class:`~oodnic_platform.Codec` instance."""


@hookspec
def register_corruptions(register: Callable) -> None:
    """Register corruptions: ``register(corruption)`` with a :class:`~oodnic_platform.Corruption`."""


@hookspec
def register_metrics(register: Callable) -> None:
    """Register metrics: ``register(metric)`` with a :class:`~oodnic_platform.Metric` instance."""


@hookspec
def register_datasets(register: Callable) -> None:
    """Register datasets: ``register(name, factory)``; ``factory(**options)`` returns a
    :class:`~oodnic_platform.Dataset`."""


@hookspec
def register_executors(register: Callable) -> None:
    """Register executors: ``register(name, factory)``; ``factory(**options)`` returns an
    :class:`~oodnic_platform.Executor` that runs chunks of the benchmark grid."""


@hookspec
def register_commands(cli) -> None:
    """Add click commands to the ``oodnic`` command group: ``@cli.command()``."""
