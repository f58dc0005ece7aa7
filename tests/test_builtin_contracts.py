"""The built-in metrics and the built-in ``none`` codec pass the conformance kit that plugins run."""

from __future__ import annotations

from oodnic_platform import default_plugins as metrics
from oodnic_platform.default_plugins import NoCompression
from oodnic_platform.plugins import build_registry
from oodnic_platform.testing import CodecContract, MetricContract


def builtin_metrics() -> list:
    registry = build_registry()
    return [metric for name, metric in sorted(registry.metrics.items())
            if registry.owners[f"metric {name}"] == metrics.__name__]


class TestBuiltinMetrics(MetricContract):
    metric = builtin_metrics()


class TestNoCompression(CodecContract):
    codec = NoCompression()
