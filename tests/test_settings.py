"""A setting declared once (a dataclass field made by ``setting``) gives settings(), the schema, checks and docs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from oodnic_platform import setting
from oodnic_platform.contract import check_codec
from oodnic_platform.errors import RegistrationError
from oodnic_platform.testing import QuantCodec


@dataclass(eq=False)
class Declared(QuantCodec):
    name = "declared"
    level: int = setting(6, range=(0, 9), doc="zlib level")
    mode: str = setting("fast", choices=("fast", "small"))
    timeout: float = setting(30.0, range=(1.0, 600.0), operational=True)


def test_one_declaration_gives_settings_schema_checks_and_docs():
    codec = Declared()
    assert codec.settings() == {"level": 6, "mode": "fast", "timeout": 30.0}
    assert codec.setting_ranges == {"level": (0, 9), "timeout": (1.0, 600.0)}
    assert codec.setting_choices == {"mode": ("fast", "small")}
    assert codec.identity_settings() == {"level": 6, "mode": "fast"}  # operational: not part of row keys
    changed = codec.configure(level="9", mode="small")
    assert changed.settings()["level"] == 9 and changed.settings()["mode"] == "small" and codec.level == 6
    with pytest.raises(ValueError, match="level must be in 0..9, not 10"):
        codec.configure(level=10)
    with pytest.raises(ValueError, match="mode must be one of fast, small, not 'tiny'"):
        codec.configure(mode="tiny")
    assert codec.describe_settings()[0] == "level=6 in 0..9: zlib level"
    check_codec(codec)


def test_a_declared_default_outside_its_range_is_refused_at_registration():
    @dataclass(eq=False)
    class Broken(QuantCodec):
        name = "broken"
        level: int = setting(12, range=(0, 9))

    with pytest.raises(RegistrationError, match="default settings are invalid: broken setting level must be in 0..9"):
        check_codec(Broken())
