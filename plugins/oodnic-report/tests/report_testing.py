"""Shared by the report's tests: a small real run (runner + fixture plugin), made once per session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent
OODNIC = [sys.executable, "-c", "from oodnic_platform.cli import main; main()"]
CROP = (192, 256)  # small enough to be fast, large enough for MS-SSIM (>= 161 px)
_RUNS: dict[Path, Path] = {}


def environ(plugins: str = "report") -> dict[str, str]:
    """Only the fixture plugin and the named entry-point plugins are loaded."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH", "")]))
    env["OODNIC_PLUGIN_MODULES"] = "report_fixture_plugin"
    env["OODNIC_PLUGINS"] = plugins
    env.pop("OODNIC_DISABLE_PLUGINS", None)
    return env


def oodnic(*args: str, plugins: str = "report", timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*OODNIC, *args], env=environ(plugins), capture_output=True, text=True, timeout=timeout)


def write_images(folder: Path) -> Path:
    """Centre crops of the sample dataset's three scikit-image photos (public domain / CC0) as PNGs."""
    from PIL import Image
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("astronaut", "chelsea", "coffee"):
        image = getattr(data, name)()[:, :, :3]
        top, left = (image.shape[0] - CROP[0]) // 2, (image.shape[1] - CROP[1]) // 2
        crop = np.ascontiguousarray(image[top : top + CROP[0], left : left + CROP[1]])
        Image.fromarray(crop).save(folder / f"{name}.png")
    return folder


def make_run(root: Path) -> Path:
    """``oodnic run``: 2 codecs x 4 qualities x 3 images x (clean + 3 corruptions at severity 3); cached."""
    if root not in _RUNS:
        images = write_images(root / "images")
        run_dir = root / "run"
        result = oodnic("run", "--dataset", str(images), "--run-dir", str(run_dir), "--corruption", "all",
                        "--severity", "3", "--device", "cpu", "--no-progress")
        assert result.returncode == 0, result.stderr + result.stdout
        _RUNS[root] = run_dir
    return _RUNS[root]


_REPORTS: dict[Path, object] = {}


def make_report(run_dir: Path):
    """The report of ``run_dir`` built in this process into ``run_dir``/../report; cached."""
    from oodnic_report.build import build_report

    if run_dir not in _REPORTS:
        _REPORTS[run_dir] = build_report(run_dir, run_dir.parent / "report")
    return _REPORTS[run_dir]
