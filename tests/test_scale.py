"""Paper scale is the normal case: nothing quadratic in rows, and no torch unless something needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

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

        def images(self):
            return [ImageRef(f"{i:05d}.png", f"{i:064x}", lambda max_pixels: np.zeros((8, 8, 3), np.uint8))
                    for i in range(5000)]

    @hookimpl
    def register_datasets(register):
        register("many", Many)
"""


def test_a_200k_row_store_plans_resumes_and_summarises_in_seconds(tmp_path, monkeypatch):
    (tmp_path / "many_plugin.py").write_text(textwrap.dedent(MANY))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(TESTS))
    monkeypatch.setenv("OODNIC_PLUGINS", "")
    monkeypatch.setenv("OODNIC_PLUGIN_MODULES", "fixture_plugin,many_plugin")
    reset_registry()
    registry = build_registry()
    config = RunConfig(dataset="many", run_dir=str(tmp_path / "run"), severities=[1, 2, 3, 4], metrics=["bpp", "psnr"],
                       codecs=[CodecChoice("quant", [1, 2, 3, 4, 5, 6, 7, 8])])
    start = time.perf_counter()
    the_plan = plan(config, registry)
    planned = time.perf_counter() - start
    assert len(the_plan.jobs) == 5000 * 5 * 8 == 200_000

    (tmp_path / "run").mkdir()
    store = ResultStore(tmp_path / "run" / "results.sqlite")
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
    resumed = time.perf_counter() - start
    store.close()
    start = time.perf_counter()
    with open_run(tmp_path / "run") as results:
        table = summary_table(results.iter_rows())
    summarised = time.perf_counter() - start
    assert "quant" in table and "24.50 dB" in table
    # seconds each on an idle 2-core machine; a quadratic step would take hours at this size
    print(f"200k rows: plan {planned:.1f} s, resume {resumed:.1f} s, summary {summarised:.1f} s")
    assert max(planned, resumed, summarised) < 60, (planned, resumed, summarised)
    reset_registry()


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
