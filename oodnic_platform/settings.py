"""Settings that plugins expose and users change: ``--codec NAME:key=value`` or TOML ``settings``.

A plugin declares its settings by returning them from :meth:`Configurable.settings`
(their current values fix each setting's type), optionally constrains them with
``setting_choices`` (allowed values) and ``setting_ranges`` (inclusive bounds),
and lists facts users cannot change in ``fixed_settings``. Every row records
all of them, and they are part of the row's key.
"""

from __future__ import annotations

import copy
from typing import Any, Mapping


class Configurable:
    """Plain-attribute settings, listed by :meth:`settings`, changed on a copy by :meth:`configure`."""

    name: str = ""
    #: Recorded with every result (and part of its key) but not settable: colour pipeline, coding mode.
    fixed_settings: Mapping[str, Any] = {}
    #: Setting name -> the values it may take.
    setting_choices: Mapping[str, tuple] = {}
    #: Setting name -> (low, high), inclusive.
    setting_ranges: Mapping[str, tuple] = {}
    #: Settings that say how or where the work runs but cannot change a result (timeouts, executable
    #: locations): kept in the run's configuration, left out of rows' settings and keys.
    operational_settings: tuple[str, ...] = ()

    def settings(self) -> dict[str, Any]:
        """Settable settings and their current values."""
        return {}

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
