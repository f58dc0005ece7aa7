"""Settings that plugins expose and users change: ``--codec NAME:key=value`` or TOML ``settings``.

A setting is declared once, as a dataclass field made by :func:`setting`::

    @dataclass
    class Posterize(Codec):
        level: int = setting(6, range=(0, 9), doc="zlib compression level")

and everything follows from it: :meth:`Configurable.settings`, the schema
(``setting_choices``, ``setting_ranges``) that :meth:`~Configurable.configure`
and registration check, and the docs (:meth:`Configurable.describe_settings`,
shown by ``oodnic plugins``). Facts users cannot change go in
``fixed_settings``. Every row records all of them, and they are part of its key.

(Plugins written before declare the same by overriding ``settings()`` and
setting ``setting_choices`` / ``setting_ranges`` themselves; both work.)
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Mapping

_SETTING = "oodnic_setting"


def setting(default: Any, *, choices: tuple | list | None = None, range: tuple[Any, Any] | None = None,
            doc: str = "", operational: bool = False) -> Any:
    """Declare a setting: a dataclass field with its default, allowed ``choices`` or inclusive ``range``, and doc.

    ``operational`` settings say how or where work runs but cannot change a result (a timeout): kept in the
    run's configuration, left out of rows' settings and keys.
    """
    meta = {"choices": tuple(choices) if choices is not None else None, "range": range, "doc": doc,
            "operational": operational}
    return dataclasses.field(default=default, metadata={_SETTING: meta})


def declared_settings(obj: Any) -> dict[str, dict[str, Any]]:
    """Setting name -> its declaration (``choices``, ``range``, ``doc``, ``operational``), for dataclass settings."""
    if not dataclasses.is_dataclass(obj):
        return {}
    return {f.name: f.metadata[_SETTING] for f in dataclasses.fields(obj) if _SETTING in f.metadata}


class Configurable:
    """Plain-attribute settings, listed by :meth:`settings`, changed on a copy by :meth:`configure`."""

    name: str = ""
    #: Recorded with every result (and part of its key) but not settable: colour pipeline, coding mode.
    fixed_settings: Mapping[str, Any] = {}

    @property
    def setting_choices(self) -> Mapping[str, tuple]:
        """Setting name -> the values it may take (from the declarations)."""
        return {k: d["choices"] for k, d in declared_settings(self).items() if d["choices"] is not None}

    @property
    def setting_ranges(self) -> Mapping[str, tuple]:
        """Setting name -> (low, high), inclusive (from the declarations)."""
        return {k: tuple(d["range"]) for k, d in declared_settings(self).items() if d["range"] is not None}

    @property
    def operational_settings(self) -> tuple[str, ...]:
        """Settings that cannot change a result (timeouts, executable locations): left out of rows' keys."""
        return tuple(k for k, d in declared_settings(self).items() if d["operational"])

    def settings(self) -> dict[str, Any]:
        """Settable settings and their current values (the declared ones)."""
        return {key: getattr(self, key) for key in declared_settings(self)}

    def describe_settings(self) -> list[str]:
        """One line per settable setting: name, current value, allowed values or range, and its doc."""
        declared = declared_settings(self)
        lines = []
        for key, value in self.settings().items():
            allowed = (f" one of {', '.join(map(str, self.setting_choices[key]))}" if key in self.setting_choices
                       else f" in {self.setting_ranges[key][0]}..{self.setting_ranges[key][1]}"
                       if key in self.setting_ranges else "")
            doc = declared.get(key, {}).get("doc", "")
            lines.append(f"{key}={value!r}{allowed}{': ' + doc if doc else ''}")
        return lines

    def recorded_settings(self) -> dict[str, Any]:
        """The fixed settings and the settable ones."""
        return {**self.fixed_settings, **self.settings()}

    def identity_settings(self) -> dict[str, Any]:
        """What every result row records and its key includes: :meth:`recorded_settings` but the operational ones."""
        return {k: v for k, v in self.recorded_settings().items() if k not in self.operational_settings}

    def version(self) -> str:
        """Version of the code or library doing the work (recorded, and part of results' identity)."""
        return "unknown"

    def configure(self, **settings: Any):
        """A copy with the given settings changed (text from the command line converted to each type)."""
        known = self.settings()
        fixed = sorted(set(settings) & set(self.fixed_settings))
        if fixed:
            raise ValueError(f"{self.name} setting {fixed[0]} is fixed ({self.fixed_settings[fixed[0]]!r}) and cannot be set")
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ValueError(
                f"{self.name!r} has no setting {', '.join(unknown)} (settings: {', '.join(sorted(known)) or 'none'})"
            )
        clone = copy.copy(self)
        for key, value in settings.items():
            setattr(clone, key, _like(known[key], value, f"{self.name} setting {key}"))
        clone.check_settings()
        return clone

    def check_settings(self) -> None:
        """Check the current settings against the declared schema, then :meth:`validate`."""
        self.check_schema()
        self.validate()

    def check_schema(self) -> None:
        """Check the current settings against ``setting_choices`` and ``setting_ranges``."""
        values = self.settings()
        for key, choices in self.setting_choices.items():
            if values.get(key) not in choices:
                options = ", ".join(map(str, choices))
                raise ValueError(f"{self.name} setting {key} must be one of {options}, not {values.get(key)!r}")
        for key, (low, high) in self.setting_ranges.items():
            value = values.get(key)
            if not isinstance(value, (int, float)) or not low <= value <= high:
                raise ValueError(f"{self.name} setting {key} must be in {low}..{high}, not {value!r}")

    def validate(self) -> None:
        """Raise ``ValueError`` with one line if the settings are inconsistent (beyond the declared schema)."""


def _like(default: Any, value: Any, what: str) -> Any:
    """``value`` converted to the type of the setting's current value, or a one-line ``ValueError``."""
    kind = type(default)
    if default is None or type(value) is kind:
        return value
    if kind is bool:
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"{what} must be true or false, not {value!r}")
        return text in ("true", "1", "yes")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    raise ValueError(f"{what} must be of type {kind.__name__}, not {value!r}")
