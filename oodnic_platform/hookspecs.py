"""Hook specifications: the whole plugin contract of oodnic-platform (contract version 1).

Every hook receives a ``register`` callable (or the click group, for
``register_commands``) and calls it once per thing it contributes. What is
registered is checked at once (:mod:`oodnic_platform.contract`): a bad
registration is refused with one line and never reaches a run. Built-in
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
    """Register codecs.

    :param register: call ``register(codec)`` once per codec, with a
        :class:`~oodnic_platform.Codec` *instance* whose ``name`` follows the
        naming rule, whose ``qualities`` ladder is valid for its ``quality_range``
        and whose settings match their declared schema.
    """


@hookspec
def register_corruptions(register: Callable) -> None:
    """Register corruptions.

    :param register: call ``register(corruption)`` once per corruption, with a
        :class:`~oodnic_platform.Corruption` instance whose ``frequency`` is one
        of ``low``, ``medium``, ``high`` and whose ``severities`` are distinct
        integers >= 1.
    """


@hookspec
def register_metrics(register: Callable) -> None:
    """Register metrics.

    :param register: call ``register(metric)`` once per metric, with a
        :class:`~oodnic_platform.Metric` instance; its result column is derived
        from its name (``-`` and ``.`` become ``_``).
    """


@hookspec
def register_datasets(register: Callable) -> None:
    """Register datasets.

    :param register: call ``register(name, factory)``; ``factory(**options)``
        (options from ``--dataset-option key=value`` or TOML ``[dataset_options]``)
        returns a :class:`~oodnic_platform.Dataset`.
    """


@hookspec
def register_executors(register: Callable) -> None:
    """Register executors.

    :param register: call ``register(name, factory)``; ``factory(workers=N, **options)``
        (options from TOML ``[executor_options]``, e.g. ``scheduler``) returns an
        :class:`~oodnic_platform.Executor` whose ``run(spec, chunks)`` yields one
        :class:`~oodnic_platform.ChunkResult` per chunk, each made by
        :func:`oodnic_platform.run_chunk` wherever the executor likes.
    """


@hookspec
def register_commands(cli) -> None:
    """Add commands to the ``oodnic`` command line.

    :param cli: the ``oodnic`` :class:`click.Group`; add commands with
        ``@cli.command()`` or ``cli.add_command(...)``.
    """
