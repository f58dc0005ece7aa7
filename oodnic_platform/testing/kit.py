"""What the conformance contracts share: parametrising over the objects under test, and common checks."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest

from ..configurable import Configurable
from ..errors import RegistrationError


class Contract:
    """Base of the contract test classes: ``subject`` names the class attribute holding what is tested.

    The attribute holds one object or a list of them; every test of the class
    then runs once per object (pytest calls :meth:`pytest_generate_tests` on
    test classes), with the object's name as the test id.
    """

    subject = ""

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if self.subject not in metafunc.fixturenames:
            return
        value = getattr(self, self.subject, None)
        if value is None:
            raise TypeError(f"{type(self).__name__}: set the class attribute {self.subject} (an instance or a list)")
        items = list(value) if isinstance(value, (list, tuple)) else [value]
        metafunc.parametrize(self.subject, [pytest.param(item, id=str(getattr(item, "name", "")) or None,
                                                         marks=self.marks(item)) for item in items])

    def marks(self, item: Any) -> list:
        """pytest marks for one object under test (a codec that is not available is skipped, saying why)."""
        return []


def assert_refused(call: Callable[[], Any], what: str) -> None:
    """Assert ``call()`` raises ``ValueError`` with one non-empty line (anything else fails, naming it)."""
    try:
        result = call()
    except ValueError as exc:
        message = str(exc)
        assert message.strip() and "\n" not in message, f"{what}: the ValueError is not one line: {message!r}"
        return
    except Exception as exc:  # the point: any other exception is a contract failure
        raise AssertionError(f"{what}: raised {type(exc).__name__} ({exc}), expected a one-line ValueError") from exc
    raise AssertionError(f"{what}: accepted (returned {type(result).__name__}), expected a one-line ValueError")


def candidate_values(obj: Configurable, key: str, current: Any) -> list[Any]:
    """Values other than ``current`` that setting ``key`` may take, from its declared schema or its type."""
    if key in obj.setting_choices:
        return [choice for choice in obj.setting_choices[key] if choice != current]
    if key in obj.setting_ranges:
        return [bound for bound in obj.setting_ranges[key] if bound != current]
    if isinstance(current, bool):
        return [not current]
    return []


def assert_settings_recorded(obj: Configurable, to_try: dict[str, Any] | None = None) -> None:
    """Recorded settings are JSON, hold the fixed and settable ones, and follow ``configure()``.

    Each setting is changed alone to another declared value (its choices, range
    bounds, or the other boolean) or to ``to_try[key]``; the copy records the
    new value and the original keeps its own. Fixed settings and values outside
    the declared schema are refused with a one-line ``ValueError``.
    """
    recorded = obj.recorded_settings()
    try:
        json.dumps(recorded, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise AssertionError(f"{obj.name}: recorded_settings() is not JSON-serialisable: {exc}") from None
    settings = obj.settings()
    assert {**dict(obj.fixed_settings), **settings}.items() <= recorded.items(), (
        f"{obj.name}: recorded_settings() lacks fixed or settable settings: {recorded}"
    )
    for key, current in settings.items():
        candidates = [to_try[key]] if to_try and key in to_try else candidate_values(obj, key, current)
        for value in candidates:
            try:
                changed = obj.configure(**{key: value})
            except ValueError:
                continue  # another setting constrains this value; try the next one
            assert changed.recorded_settings()[key] == value, (
                f"{obj.name}: configure({key}={value!r}) is not recorded: {changed.recorded_settings()}"
            )
            assert obj.recorded_settings() == recorded, f"{obj.name}: configure() changed the original"
            break
    for key in obj.fixed_settings:
        assert_refused(lambda: obj.configure(**{key: "something else"}), f"{obj.name}: configure(fixed {key})")
    for key in obj.setting_choices:
        assert_refused(lambda: obj.configure(**{key: "not-a-declared-choice"}), f"{obj.name}: configure({key}=?)")
    for key, (_, high) in obj.setting_ranges.items():
        assert_refused(lambda: obj.configure(**{key: high + 1}), f"{obj.name}: configure({key}={high + 1})")


def assert_registers(check: Callable[[Any], None], obj: Any, kind: str) -> None:
    """The core's registration ``check`` accepts ``obj``, and its ``version()`` is a non-empty string."""
    try:
        check(obj)
    except RegistrationError as exc:
        raise AssertionError(f"the contract refuses this {kind} at registration: {exc}") from None
    version = obj.version()
    assert isinstance(version, str) and version.strip(), f"{obj.name}: version() must be a non-empty string"
