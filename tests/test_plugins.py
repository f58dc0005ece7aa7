"""Plugin loading: built-ins through hooks, failures contained, allow/block lists."""

from __future__ import annotations

import textwrap

import pytest

from oodnic_platform.plugins import build_registry, reset_registry


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("OODNIC_PLUGINS", "")
    reset_registry()
    return tmp_path


def write_module(folder, name, body):
    (folder / f"{name}.py").write_text(textwrap.dedent(body))


def test_builtins_register_through_the_hooks(plugin_dir):
    registry = build_registry()
    assert {"bpp", "psnr", "ms_ssim", "psnr_wrt_clean"} <= set(registry.metrics)
    assert {"sample", "kodak", "clic2020"} <= set(registry.datasets)
    assert "local" in registry.executors
    assert registry.owners["metric psnr"] == "oodnic_platform.default_plugins.metrics"


def test_broken_plugins_are_reported_and_do_not_stop_the_platform(plugin_dir, monkeypatch):
    write_module(plugin_dir, "broken_import", "raise ImportError('needs libfoo')\n")
    write_module(plugin_dir, "broken_hook", """
        from oodnic_platform import hookimpl
        @hookimpl
        def register_codecs(register):
            raise RuntimeError('boom')
    """)
    write_module(plugin_dir, "good", """
        from oodnic_platform import Codec, hookimpl
        class C(Codec):
            name = 'good-codec'
        @hookimpl
        def register_codecs(register):
            register(C())
    """)
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", "broken_import,broken_hook,good")
    with pytest.warns(RuntimeWarning, match="broken_hook"):
        registry = build_registry()
    assert registry.failures["broken_import"] == "failed to load: ImportError: needs libfoo"
    assert registry.failures["broken_hook"] == "register_codecs raised RuntimeError: boom"
    assert "good-codec" in registry.codecs
    assert "psnr" in registry.metrics


def test_block_list_skips_a_plugin(plugin_dir, monkeypatch):
    write_module(plugin_dir, "good2", """
        from oodnic_platform import Codec, hookimpl
        class C(Codec):
            name = 'good2-codec'
        @hookimpl
        def register_codecs(register):
            register(C())
    """)
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", "good2")
    assert "good2-codec" in build_registry().codecs
    monkeypatch.setenv("OODNIC_DISABLE_PLUGINS", "good2")
    assert "good2-codec" not in build_registry().codecs


def test_two_plugins_cannot_claim_one_name(plugin_dir, monkeypatch):
    for module in ("dup_a", "dup_b"):
        write_module(plugin_dir, module, """
            from oodnic_platform import Codec, hookimpl
            class C(Codec):
                name = 'same'
            @hookimpl
            def register_codecs(register):
                register(C())
        """)
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", "dup_a,dup_b")
    with pytest.warns(RuntimeWarning):
        registry = build_registry()
    assert len([f for f in registry.failures.values() if "already registered" in f]) == 1


def test_configure_converts_command_line_text_to_each_setting_type():
    from oodnic_platform import Codec

    class Tunable(Codec):
        name = "tunable"
        flag, level, mode = False, 3, "a"

        def settings(self):
            return {"flag": self.flag, "level": self.level, "mode": self.mode}

    codec = Tunable()
    assert codec.configure(flag="False").flag is False and codec.configure(flag="true").flag is True
    assert codec.configure(level="5").level == 5 and codec.configure(mode=444).mode == "444"
    with pytest.raises(ValueError, match="tunable setting level must be a int"):
        codec.configure(level="x")
    with pytest.raises(ValueError, match="has no setting speed"):
        codec.configure(speed=1)
    assert codec.flag is False  # configure copies; the registered instance is untouched
