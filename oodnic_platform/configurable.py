"""Settings that plugins expose and users change: ``--codec NAME:key=value`` or TOML ``settings``."""

from __future__ import annotations

import copy
from typing import Any


class Configurable:
    """Plain-attribute settings, listed by :meth:`settings`, changed on a copy by :meth:`configure`."""

    name: str = ""

    def settings(self) -> dict[str, Any]:
        """Settings recorded with every result (and part of a result row's key)."""
        return {}

    def configure(self, **settings: Any):
        """A copy with the given settings changed (text from the command line converted to each type)."""
        known = self.settings()
        unknown = sorted(set(settings) - set(known))
        if unknown:
            raise ValueError(
                f"{self.name!r} has no setting {', '.join(unknown)} (settings: {', '.join(sorted(known)) or 'none'})"
            )
        clone = copy.copy(self)
        for key, value in settings.items():
            setattr(clone, key, _like(known[key], value, f"{self.name} setting {key}"))
        clone.validate()
        return clone

    def validate(self) -> None:
        """Raise ``ValueError`` with one line if the settings are inconsistent."""


def _like(default: Any, value: Any, what: str) -> Any:
    """``value`` converted to the type of the setting's current value."""
    if default is None or type(value) is type(default):
        return value
    if isinstance(default, bool):
        text = str(value).strip().lower()
        if text not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"{what} must be true or false, not {value!r}")
        return text in ("true", "1", "yes")
    try:
        return type(default)(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a {type(default).__name__}, not {value!r}") from None
