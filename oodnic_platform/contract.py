"""The plugin contract's rules, checked when a plugin registers something.

A registered name matches :data:`NAME_PATTERN`. A metric's result column is its
name with ``-`` and ``.`` turned into ``_`` (:func:`column_name`); a metric that
returns a dict of values gives one column ``<column>_<key>`` per key, the key
turned into a column the same way. Those rules can only produce valid SQL
identifiers, so a name that passes registration can never break a run.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Callable

from .codec import Codec
from .corruption import FREQUENCY_GROUPS, Corruption
from .errors import RegistrationError
from .metric import Metric
from .store import FIXED_COLUMNS

#: Version of the hook contract; a plugin built for another one is refused at load.
CONTRACT_VERSION = 1
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
_NAME_RE = re.compile(NAME_PATTERN)
_KEY_RE = re.compile(r"[^a-z0-9_]+")
RESOURCES = ("cpu", "gpu")


def column_name(name: str) -> str:
    """The result column of a metric named ``name`` (``acme-max.err`` -> ``acme_max_err``)."""
    return name.replace("-", "_").replace(".", "_")


def result_column(metric: str, key: str | None = None) -> str:
    """Column of a metric's value, or of one key of a metric's dict of values (any text: folded to ``[a-z0-9_]``)."""
    base = column_name(metric)
    if key is None:
        return base
    folded = _KEY_RE.sub("_", str(key).lower()).strip("_")
    if not folded:
        raise ValueError(f"metric {metric} returned a value with an empty key {key!r}")
    return f"{base}_{folded}"


def check_name(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise RegistrationError(
            f"{kind} name {name!r} is invalid: use lowercase letters, digits, '.', '_' and '-' "
            f"(1-64 characters, starting with a letter or digit)"
        )
    return name


def _instance(kind: str, obj: Any, base: type) -> None:
    if isinstance(obj, type):
        raise RegistrationError(
            f"{kind} {getattr(obj, 'name', '') or obj.__name__!r}: register an instance "
            f"({obj.__name__}()), not the class"
        )
    if not isinstance(obj, base):
        raise RegistrationError(f"{kind}: expected a {base.__name__} instance, got {type(obj).__name__}")


def _json_settings(kind: str, name: str, settings: Any, what: str = "settings()") -> None:
    if not isinstance(settings, dict) or not all(isinstance(k, str) for k in settings):
        raise RegistrationError(f"{kind} {name}: {what} must return a dict with string keys")
    try:
        json.dumps(settings, sort_keys=True)
    except (TypeError, ValueError):
        raise RegistrationError(f"{kind} {name}: {what} must hold only JSON values (str, int, float, bool, None)") from None


def _check_schema(kind: str, obj: Any) -> None:
    settings = obj.settings()
    _json_settings(kind, obj.name, settings)
    _json_settings(kind, obj.name, dict(obj.fixed_settings), "fixed_settings")
    overlap = sorted(set(settings) & set(obj.fixed_settings))
    if overlap:
        raise RegistrationError(f"{kind} {obj.name}: {', '.join(overlap)} is both a setting and a fixed setting")
    for table in ("setting_choices", "setting_ranges"):
        unknown = sorted(set(getattr(obj, table)) - set(settings))
        if unknown:
            raise RegistrationError(f"{kind} {obj.name}: {table} names unknown settings {', '.join(unknown)}")
    try:
        obj.check_schema()
    except ValueError as exc:
        raise RegistrationError(f"{kind} {obj.name}: its default settings are invalid: {exc}") from None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_codec(codec: Any) -> None:
    _instance("codec", codec, Codec)
    name = check_name("codec", codec.name)
    ladder = list(codec.qualities)
    if not ladder or not all(_is_number(q) for q in ladder):
        raise RegistrationError(f"codec {name}: qualities must be a non-empty sequence of finite numbers")
    if len(set(ladder)) != len(ladder):
        raise RegistrationError(f"codec {name}: qualities repeat a value: {ladder}")
    if codec.quality_range is not None:
        if len(codec.quality_range) != 2 or not all(_is_number(b) for b in codec.quality_range) \
                or codec.quality_range[0] > codec.quality_range[1]:
            raise RegistrationError(f"codec {name}: quality_range must be (low, high) numbers, low <= high")
    for quality in ladder:
        try:
            codec.check_quality(quality)
        except ValueError as exc:
            raise RegistrationError(f"codec {name}: its ladder holds an invalid quality: {exc}") from None
    if codec.resource not in RESOURCES:
        raise RegistrationError(f"codec {name}: resource must be one of {', '.join(RESOURCES)}, not {codec.resource!r}")
    if not isinstance(codec.accepts_float, bool):
        raise RegistrationError(f"codec {name}: accepts_float must be True or False")
    _check_schema("codec", codec)


def check_corruption(corruption: Any) -> None:
    _instance("corruption", corruption, Corruption)
    name = check_name("corruption", corruption.name)
    if corruption.frequency not in FREQUENCY_GROUPS:
        raise RegistrationError(
            f"corruption {name}: frequency must be one of {', '.join(FREQUENCY_GROUPS)}, not {corruption.frequency!r}"
        )
    severities = list(corruption.severities)
    if not severities or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in severities) \
            or len(set(severities)) != len(severities):
        raise RegistrationError(f"corruption {name}: severities must be distinct integers >= 1, got {severities}")


def check_metric(metric: Any) -> None:
    _instance("metric", metric, Metric)
    name = check_name("metric", metric.name)
    column = column_name(name)
    if column in FIXED_COLUMNS and column not in BUILTIN_METRIC_COLUMNS:
        raise RegistrationError(f"metric {name}: its column {column!r} is reserved by the results table")
    if not isinstance(metric.accumulates, bool) or not isinstance(metric.default, bool):
        raise RegistrationError(f"metric {name}: accumulates and default must be True or False")
    if metric.resource not in RESOURCES:
        raise RegistrationError(f"metric {name}: resource must be one of {', '.join(RESOURCES)}")
    _check_schema("metric", metric)


def check_factory(kind: str, name: Any, factory: Any) -> None:
    check_name(kind, name)
    if not callable(factory):
        raise RegistrationError(f"{kind} {name}: expected a callable factory, got {type(factory).__name__}")


#: Result columns owned by the built-in metrics (declared in the schema for a stable column order).
BUILTIN_METRIC_COLUMNS = frozenset({"bpp", "psnr", "ms_ssim", "psnr_wrt_clean"})

CHECKS: dict[str, Callable[[Any], None]] = {
    "codec": check_codec,
    "corruption": check_corruption,
    "metric": check_metric,
}
