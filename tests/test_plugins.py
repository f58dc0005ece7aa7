"""Plugin loading and the contract's door: built-ins through hooks, bad registrations refused, clashes refused."""

from __future__ import annotations

import textwrap

import pytest

from oodnic_platform import CONTRACT_VERSION, Codec, column_name, result_column
from oodnic_platform.contract import check_name
from oodnic_platform.errors import RegistrationError
from oodnic_platform.plugins import build_registry
from oodnic_testing import fixture_environ, oodnic

GOOD_CODEC = """
    import numpy as np
    from oodnic_platform import Codec, hookimpl
    class C(Codec):
        name = '{name}'
        qualities = (1, 2)
        def encode(self, image, quality):
            return image.tobytes()
    @hookimpl
    def register_codecs(register):
        register(C())
"""


def write_module(folder, name, body):
    (folder / f"{name}.py").write_text(textwrap.dedent(body))


def test_builtins_register_through_the_hooks(plugin_dir):
    registry = build_registry()
    assert {"bpp", "psnr", "ms_ssim", "psnr_wrt_clean"} <= set(registry.metrics)
    assert {"sample", "kodak", "clic2020"} <= set(registry.datasets)
    assert "local" in registry.executors and "none" in registry.codecs
    assert registry.owners["metric psnr"] == "oodnic_platform.default_plugins"
    assert not registry.refused and not registry.failures


def test_broken_plugins_are_reported_and_do_not_stop_the_platform(plugin_dir, monkeypatch):
    write_module(plugin_dir, "broken_import", "raise ImportError('needs libfoo')\n")
    write_module(plugin_dir, "broken_hook", """
        from oodnic_platform import hookimpl
        @hookimpl
        def register_codecs(register):
            raise RuntimeError('boom')
    """)
    write_module(plugin_dir, "good", GOOD_CODEC.format(name="good-codec"))
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", "broken_import,broken_hook,good")
    with pytest.warns(RuntimeWarning, match="broken_hook"):
        registry = build_registry()
    assert registry.failures["broken_import"] == "failed to load: ImportError: needs libfoo"
    assert registry.failures["broken_hook"] == "register_codecs raised RuntimeError: boom"
    assert "good-codec" in registry.codecs
    assert "psnr" in registry.metrics


def test_block_list_skips_a_plugin(plugin_dir, monkeypatch):
    write_module(plugin_dir, "good2", GOOD_CODEC.format(name="good2-codec"))
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", "good2")
    assert "good2-codec" in build_registry().codecs
    monkeypatch.setenv("OODNIC_DISABLE_PLUGINS", "good2")
    assert "good2-codec" not in build_registry().codecs


@pytest.mark.parametrize("order", ["dup_a,dup_b", "dup_b,dup_a"])
def test_a_clashing_name_refuses_both_claimants_whatever_the_order(plugin_dir, monkeypatch, order):
    for module in ("dup_a", "dup_b"):
        write_module(plugin_dir, module, GOOD_CODEC.format(name="same"))
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", order)
    with pytest.warns(RuntimeWarning, match="claimed by dup_a and dup_b"):
        registry = build_registry()
    assert "same" not in registry.codecs
    assert {r.plugin for r in registry.refused} == {"dup_a", "dup_b"}
    assert all("OODNIC_DISABLE_PLUGINS=" in r.reason for r in registry.refused)
    monkeypatch.setenv("OODNIC_DISABLE_PLUGINS", "dup_b")
    assert build_registry().owners["codec same"] == "dup_a"


BAD_REGISTRATIONS = {
    "a_class": ("""
        from oodnic_platform import Codec, hookimpl
        class AcmeCodec(Codec):
            name = 'acme'
            qualities = (1,)
        @hookimpl
        def register_codecs(register):
            register(AcmeCodec)
    """, "register an instance (AcmeCodec()), not the class"),
    "bad_frequency": ("""
        from oodnic_platform import Corruption, hookimpl
        class Mid(Corruption):
            name = 'mid-blur'
            frequency = 'mid'
        @hookimpl
        def register_corruptions(register):
            register(Mid())
    """, "frequency must be one of low, medium, high, not 'mid'"),
    "bad_name": ("""
        from oodnic_platform import Metric, hookimpl
        class Spaced(Metric):
            name = 'Max Error'
        @hookimpl
        def register_metrics(register):
            register(Spaced())
    """, "metric name 'Max Error' is invalid"),
    "reserved": ("""
        from oodnic_platform import Metric, hookimpl
        class Status(Metric):
            name = 'status'
        @hookimpl
        def register_metrics(register):
            register(Status())
    """, "column 'status' is reserved"),
    "bad_ladder": ("""
        from oodnic_platform import Codec, hookimpl
        class Ranged(Codec):
            name = 'ranged'
            qualities = (5, 500)
            quality_range = (1, 100)
        @hookimpl
        def register_codecs(register):
            register(Ranged())
    """, "ranged quality must be in 1..100, not 500"),
    "bad_settings": ("""
        from oodnic_platform import Codec, hookimpl
        class Chroma(Codec):
            name = 'chroma'
            qualities = (1,)
            setting_choices = {'chroma': ('420', '444')}
            chroma = '422'
            def settings(self):
                return {'chroma': self.chroma}
        @hookimpl
        def register_codecs(register):
            register(Chroma())
    """, "chroma setting chroma must be one of 420, 444, not '422'"),
}


def test_each_bad_registration_is_refused_with_its_rule(plugin_dir, monkeypatch):
    for module, (body, _) in BAD_REGISTRATIONS.items():
        write_module(plugin_dir, module, body)
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", ",".join(BAD_REGISTRATIONS))
    with pytest.warns(RuntimeWarning):
        registry = build_registry()
    reasons = {r.plugin: r.reason for r in registry.refused}
    for module, (_, reason) in BAD_REGISTRATIONS.items():
        assert reason in reasons[module], (module, reasons.get(module))
    assert not set(registry.codecs) & {"acme", "ranged", "chroma"}
    assert "mid-blur" not in registry.corruptions and "status" not in registry.metrics


def test_oodnic_plugins_lists_refusals_and_exits_0(tmp_path):
    for module, (body, _) in BAD_REGISTRATIONS.items():
        write_module(tmp_path, module, body)
    env = fixture_environ(OODNIC_PLUGIN_MODULES=",".join(["fixture_plugin", *BAD_REGISTRATIONS]))
    env["PYTHONPATH"] = f"{tmp_path}:{env['PYTHONPATH']}"
    result = oodnic("plugins", env=env)
    assert result.returncode == 0, result.stderr
    for module, (_, reason) in BAD_REGISTRATIONS.items():
        assert f"{module}  REFUSED" in result.stdout and reason in result.stdout
    assert "codec      quant  [1.0]" in result.stdout  # the good plugin is still there, with its version
    run = oodnic("run", "--codec", "quant", "--corruption", "none", "--images", "1", "--no-progress",
                 "--run-dir", str(tmp_path / "run"), env=env)
    assert run.returncode == 0, run.stderr  # refused registrations never reach a run


def test_a_plugin_for_another_contract_version_is_refused(plugin_dir, monkeypatch):
    write_module(plugin_dir, "future", f"OODNIC_CONTRACT = {CONTRACT_VERSION + 1}\n" + textwrap.dedent(
        GOOD_CODEC.format(name="future-codec")))
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", "future")
    with pytest.warns(RuntimeWarning, match="built for plugin contract 2"):
        registry = build_registry()
    assert "future-codec" not in registry.codecs
    assert "this oodnic-platform" in registry.failures["future"]


def test_the_column_rule_gives_identifiers_for_any_name():
    assert column_name("acme-max-abs-error") == "acme_max_abs_error"
    assert result_column("acme-max-abs-error", "acme_max_abs_error") == "acme_max_abs_error_acme_max_abs_error"
    assert result_column("m.x", "Per Channel/R") == "m_x_per_channel_r"
    for name in ("a", "0-9", "x.y_z-w", "a" * 64):
        assert check_name("metric", name) == name
        assert column_name(name).replace("_", "").isalnum()
    for name in ("", "-a", "A", "a b", "a" * 65, "é", 3, None):
        with pytest.raises(RegistrationError):
            check_name("metric", name)


def test_configure_converts_command_line_text_to_each_setting_type():
    class Tunable(Codec):
        name = "tunable"
        qualities = (1,)
        fixed_settings = {"pipeline": "fixed"}
        setting_ranges = {"level": (0, 9)}
        flag, level, mode, gain = False, 3, "a", 1.0

        def settings(self):
            return {"flag": self.flag, "level": self.level, "mode": self.mode, "gain": self.gain}

    codec = Tunable()
    assert codec.configure(flag="False").flag is False and codec.configure(flag="true").flag is True
    assert codec.configure(level="5").level == 5 and codec.configure(mode=444).mode == "444"
    assert codec.configure(gain=2).gain == 2.0 and codec.configure(level=4.0).level == 4
    assert codec.recorded_settings() == {"pipeline": "fixed", "flag": False, "level": 3, "mode": "a", "gain": 1.0}
    for settings, message in [({"level": "x"}, "tunable setting level must be of type int"),
                              ({"level": 2.5}, "must be of type int"),
                              ({"level": 10}, "tunable setting level must be in 0..9, not 10"),
                              ({"speed": 1}, "has no setting speed"),
                              ({"pipeline": "other"}, "setting pipeline is fixed")]:
        with pytest.raises(ValueError, match=message):
            codec.configure(**settings)
    assert codec.flag is False  # configure copies; the registered instance is untouched
