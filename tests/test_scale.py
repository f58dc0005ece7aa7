"""Paper scale is the normal case: nothing quadratic in rows, and no torch unless something needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from oodnic_platform.config import CodecChoice, RunConfig
from oodnic_platform.plan import plan
from oodnic_platform.plugins import build_registry, reset_registry
from oodnic_platform.results import open_run
from oodnic_platform.runner import pending_jobs
from oodnic_platform.store import ResultStore
from oodnic_platform.cli import summary_table
from oodnic_testing import TESTS

MANY = """
    import numpy as np
    from oodnic_platform import Dataset, ImageRef, hookimpl

    class Many(Dataset):
        name = "many"

        def __init__(self, count: int = 500):
            self.count = int(count)

        def images(self):
            return [ImageRef(f"{i:05d}.png", f"{i:064x}", lambda max_pixels: np.zeros((8, 8, 3), np.uint8))
                    for i in range(self.count)]

    @hookimpl
    def register_datasets(register):
        register("many", Many)
"""


def build_store(folder: Path, images: int) -> dict[str, float]:
    """Plan images x 5 inputs x 8 qualities rows, store them all, then resume (nothing to run) and summarise.

    Returns each step's seconds (``bench/store_scale.py`` prints them at 200,000 rows); asserts the results.
    """
    (folder / "many_plugin.py").write_text(textwrap.dedent(MANY))
    sys.path[:0] = [str(folder), str(TESTS)]
    os.environ.update(OODNIC_PLUGINS="", OODNIC_PLUGIN_MODULES="fixture_plugin,many_plugin")
    reset_registry()
    registry = build_registry()
    config = RunConfig(dataset="many", dataset_options={"count": images}, run_dir=str(folder / "run"),
                       severities=[1, 2, 3, 4], metrics=["bpp", "psnr"],
                       codecs=[CodecChoice("quant", [1, 2, 3, 4, 5, 6, 7, 8])])
    timings = {}
    start = time.perf_counter()
    the_plan = plan(config, registry)
    timings["plan"] = time.perf_counter() - start
    assert len(the_plan.jobs) == images * 5 * 8

    (folder / "run").mkdir()
    store = ResultStore(folder / "run" / "results.sqlite")
    metrics = json.dumps(dict(zip(("bpp", "psnr"), the_plan.spec.metric_ids)), sort_keys=True)
    frequency = {"clean": "clean", "test_noise": "high"}
    rows = [{"key": job.key, "dataset": "many", "image": job.image, "corruption": corruption, "severity": severity,
             "frequency": frequency[corruption], "codec": "quant", "quality": job.quality, "status": "ok",
             "metrics": metrics, "bpp": 0.1 * job.quality, "psnr": 20.0 + job.quality}
            for corruption, severity, job in the_plan.jobs]
    for start_row in range(0, len(rows), 20_000):
        store.commit_chunk(rows[start_row : start_row + 20_000], {})

    start = time.perf_counter()
    assert pending_jobs(the_plan, store) == ([], [])
    timings["resume"] = time.perf_counter() - start
    store.close()
    start = time.perf_counter()
    with open_run(folder / "run") as results:
        table = summary_table(results.iter_rows())
    timings["summary"] = time.perf_counter() - start
    assert "quant" in table and "24.50 dB" in table
    reset_registry()
    return timings


def test_a_full_store_plans_resumes_with_nothing_to_do_and_summarises(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))
    for key in ("OODNIC_PLUGINS", "OODNIC_PLUGIN_MODULES"):
        monkeypatch.setenv(key, os.environ.get(key, ""))
    build_store(tmp_path, 500)  # timed at 200,000 rows in bench/store_scale.py, never here


PROBE = """
    import sys
    from oodnic_platform import Metric, hookimpl

    class TorchLoaded(Metric):
        name = "torch_loaded"

        def compute(self, sample):
            return float("torch" in sys.modules)

    @hookimpl
    def register_metrics(register):
        register(TorchLoaded())
"""


def test_a_jpeg_only_run_never_imports_torch(tmp_path):
    pytest.importorskip("oodnic_jpeg")
    (tmp_path / "torch_probe.py").write_text(textwrap.dedent(PROBE))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OODNIC_")}
    env.update(PYTHONPATH=str(tmp_path), OODNIC_PLUGINS="jpeg,imagenet-c", OODNIC_PLUGIN_MODULES="torch_probe")
    driver = ("import sys\nfrom oodnic_platform.cli import main\ntry:\n    main()\nfinally:\n"
              "    print('driver imported torch:', 'torch' in sys.modules, file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", driver, "run", "--codec", "jpeg", "--quality", "50", "--images", "2",
                             "--corruption", "gaussian_noise", "--severity", "1", "--workers", "2",
                             "--run-dir", str(tmp_path / "run"), "--no-progress"],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "driver imported torch: False" in result.stderr
    with open_run(tmp_path / "run") as results:
        rows = results.rows()
        workers = {c["workers"] for c in results.configs()}
    assert len(rows) == 2 * 2 and workers == {2}
    assert {r["torch_loaded"] for r in rows} == {0.0}  # measured inside the worker processes
