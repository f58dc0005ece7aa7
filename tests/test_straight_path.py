"""One straight data path: each image file hashed once per run, each codec configured once per process."""

from __future__ import annotations

from collections import Counter

import numpy as np
from PIL import Image

from oodnic_testing import fixture_environ, oodnic


def test_two_workers_hash_each_image_once_and_configure_each_codec_once_per_process(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).save(images / f"im{i}.png")
    log = tmp_path / "count.log"
    env = fixture_environ(OODNIC_PLUGIN_MODULES="fixture_plugin,counting_plugin", OODNIC_TEST_COUNT_LOG=str(log))
    result = oodnic("run", "--dataset", str(images), "--run-dir", str(tmp_path / "run"), "--codec", "quant:fail_on=",
                    "--codec", "quant:fail_on=999", "--quality", "quant=2,4", "--corruption", "test_noise",
                    "--severity", "1,2", "--metric", "psnr", "--workers", "2", "--no-progress", env=env)
    assert result.returncode == 0, result.stderr
    lines = [line.split(" ", 2) for line in log.read_text().splitlines()]
    hashes = Counter(name for _, what, name in lines if what == "hash")
    assert hashes == {f"im{i}.png": 1 for i in range(4)}  # the driver's only: workers adopt its digests
    configured = Counter((pid, name) for pid, what, name in lines if what == "configure")
    assert len({pid for pid, _ in configured}) >= 2  # the driver and the workers that coded...
    assert set(configured) == {(pid, "quant") for pid, _ in configured}
    assert set(configured.values()) == {2}  # ...configure each of quant's two settings once, nothing more
