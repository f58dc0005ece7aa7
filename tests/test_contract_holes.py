"""The contract has no holes: misspelt hooks, reserved names and shared columns refused; outputs checked at run time."""

from __future__ import annotations

import textwrap


from oodnic_platform import CodecChoice, RunConfig
from oodnic_platform.plugins import build_registry
from oodnic_platform.runner import run
from oodnic_testing import fixture_environ, oodnic, rows_of


def load(folder, monkeypatch, **modules: str):
    for name, body in modules.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(body))
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", ",".join(modules))
    return build_registry()


MISSPELT = """
    from oodnic_platform import Codec, hookimpl
    class C(Codec):
        name = 'never-seen'
        qualities = (1,)
    @hookimpl
    def register_codec(register):
        register(C())
"""


def test_a_misspelt_hook_is_refused_naming_the_hook_it_probably_meant(plugin_dir, monkeypatch):
    registry = load(plugin_dir, monkeypatch, holes_misspelt=MISSPELT)
    refusal, = [r for r in registry.refused if r.plugin == "holes_misspelt"]
    assert (refusal.kind, refusal.name) == ("hook", "register_codec")
    assert "did you mean register_codecs?" in refusal.reason
    listing = oodnic("plugins", env=fixture_environ(PYTHONPATH=str(plugin_dir), OODNIC_PLUGIN_MODULES="holes_misspelt"))
    assert listing.returncode == 0
    assert "holes_misspelt  REFUSED hook 'register_codec': unknown hook: did you mean register_codecs?" in listing.stdout


RESERVED = """
    from oodnic_platform import Corruption, Metric, hookimpl
    class Clean(Corruption):
        name = 'clean'
    class All(Metric):
        name = 'all'
    class NoneMetric(Metric):
        name = 'none'
    @hookimpl
    def register_corruptions(register):
        register(Clean())
    @hookimpl
    def register_metrics(register):
        register(All())
        register(NoneMetric())
    @hookimpl
    def register_datasets(register):
        register('all', dict)
"""


def test_reserved_names_are_refused_for_every_kind(plugin_dir, monkeypatch):
    registry = load(plugin_dir, monkeypatch, holes_reserved=RESERVED)
    refused = {(r.kind, r.name): r.reason for r in registry.refused}
    assert set(refused) == {("corruption", "clean"), ("metric", "all"), ("metric", "none"), ("dataset", "all")}
    assert all("reserved" in reason for reason in refused.values())
    assert "clean" not in registry.corruptions and "all" not in registry.metrics
    assert "none" in registry.codecs  # the core's own no-compression codec keeps its name


SHARED_COLUMN = """
    from oodnic_platform import Metric, hookimpl
    class A(Metric):
        name = 'max-abs-error'
    class B(Metric):
        name = 'max.abs-error'
    @hookimpl
    def register_metrics(register):
        register(A())
        register(B())
"""


def test_two_metrics_mapping_to_one_column_are_both_refused_by_name(plugin_dir, monkeypatch):
    registry = load(plugin_dir, monkeypatch, holes_shared=SHARED_COLUMN)
    refused = {r.name: r.reason for r in registry.refused}
    assert set(refused) == {"max-abs-error", "max.abs-error"}
    for reason in refused.values():
        assert "max_abs_error" in reason and "max-abs-error" in reason and "max.abs-error" in reason
    assert not {"max-abs-error", "max.abs-error"} & set(registry.metrics)


BROKEN_OUTPUTS = """
    import math
    import numpy as np
    from oodnic_platform import Codec, Dataset, ImageRef, Metric, hookimpl
    class Grey(Codec):
        name = 'grey'
        qualities = (1,)
        def encode(self, image, quality):
            return image.tobytes()
        def decode(self, data):
            return np.zeros((8, 8), np.uint8)
    class Nan(Metric):
        name = 'nan-metric'
        def compute(self, sample):
            return math.nan
    class Text(Metric):
        name = 'text-metric'
        def compute(self, sample):
            return '76'
    class Partial(Metric):
        name = 'partial-metric'
        def compute(self, sample):
            return {'measured': 1.5, 'undefined': None}
    class GreySet(Dataset):
        name = 'grey-set'
        def images(self):
            return [ImageRef('g.png', 'a' * 64, lambda max_pixels: np.zeros((8, 8), np.uint8))]
    @hookimpl
    def register_datasets(register):
        register('grey-set', GreySet)
    @hookimpl
    def register_codecs(register):
        register(Grey())
    @hookimpl
    def register_metrics(register):
        register(Nan())
        register(Text())
        register(Partial())
"""


def test_a_grey_decode_and_bad_metric_values_are_error_rows_naming_the_plugin_and_rule(plugin_dir, monkeypatch,
                                                                                      tmp_path):
    registry = load(plugin_dir, monkeypatch, holes_broken=BROKEN_OUTPUTS)
    base = dict(dataset="sample", images=1, corruptions=[], workers=1, run_dir=str(tmp_path / "run"))
    outcome = run(RunConfig(codecs=[CodecChoice("grey")], **base), registry, progress=False)
    row, = rows_of(outcome.run_dir, status="error")
    assert "codec grey broke the contract: decode returned an image of shape (8, 8)" in row["error"]
    assert "HxWx3 uint8" in row["error"]
    outcome = run(RunConfig(codecs=[CodecChoice("none")], metrics=["nan-metric", "text-metric"],
                            **{**base, "run_dir": str(tmp_path / "run2")}), registry, progress=False)
    row, = rows_of(outcome.run_dir, status="error")
    assert "metric nan-metric broke the contract: compute returned nan" in row["error"]
    assert "metric text-metric broke the contract: compute returned '76' (str)" in row["error"]
    assert outcome.failed == 1
    outcome = run(RunConfig(codecs=[CodecChoice("none")], metrics=["partial-metric"],
                            **{**base, "run_dir": str(tmp_path / "run4")}), registry, progress=False)
    row, = rows_of(outcome.run_dir)
    assert row["status"] == "ok" and row["partial_metric_measured"] == 1.5  # a None key: a blank column, no error
    assert row.get("partial_metric_undefined") is None
    outcome = run(RunConfig(codecs=[CodecChoice("none")], **{**base, "dataset": "grey-set",
                                                             "run_dir": str(tmp_path / "run3")}), registry,
                  progress=False)
    row, = rows_of(outcome.run_dir, status="error")
    assert row["error"] == ("dataset grey-set broke the contract: its image loader returned an image of shape (8, 8) "
                            "uint8, expected HxWx3 uint8")
