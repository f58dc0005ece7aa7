"""Shared by the report's tests: small real runs (the core's runner + test plugins), each made once per session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent
OODNIC = [sys.executable, "-c", "from oodnic_platform.cli import main; main()"]
CROP = (192, 256)  # small enough to be fast, large enough for MS-SSIM (>= 161 px)
PLANTED_SIZE = (48, 64)
_CACHE: dict[Path, object] = {}


def environ(plugins: str = "report", modules: str = "report_fixture_plugin") -> dict[str, str]:
    """Only the named test modules and entry-point plugins are loaded (plus the core's built-ins)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS), env.get("PYTHONPATH", "")]))
    env["OODNIC_PLUGIN_MODULES"] = modules
    env["OODNIC_PLUGINS"] = plugins
    env.pop("OODNIC_DISABLE_PLUGINS", None)
    return env


def oodnic(*args: str, plugins: str = "report", modules: str = "report_fixture_plugin",
           timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*OODNIC, *args], env=environ(plugins, modules), capture_output=True, text=True,
                          timeout=timeout)


def run_grid(modules: str, **spec) -> dict:
    """``oodnic_platform.run_grid`` in a subprocess with only ``modules`` as plugins; returns its outcome."""
    result = subprocess.run([sys.executable, str(TESTS / "planted_run.py"), json.dumps(spec)],
                            env=environ("", modules), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


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


def fourier_arrays(size: int = 5) -> tuple[dict, dict[str, np.ndarray], dict]:
    """A small Fourier heat map group in oodnic-spectral's documented keys (meta, arrays, metadata)."""
    freqs = np.arange(size) - size // 2
    radius = np.hypot(*np.meshgrid(freqs, freqs, indexing="ij"))
    arrays = {"psnr_input": 40.0 - radius, "psnr_clean": 35.0 - 0.5 * radius, "bpp": np.full((size, size), 0.5),
              "frequencies": freqs, "psnr_unperturbed": np.array(35.25)}
    meta = {"codec": "fixture_jpeg", "codec_settings": "{}", "quality": 40, "dataset": "images", "images": 3}
    return meta, arrays, {"grid": size, "eps": 4.0, "crop": 32, "seed": 0}


def make_run(root: Path) -> Path:
    """2 Pillow codecs x 4 qualities + ``none`` x 3 images x (clean + 3 corruptions at severities 1, 3), with a
    layout-2 spectral metric and one Fourier heat-map group added through ``save_arrays``; cached."""
    if root not in _CACHE:
        from oodnic_platform.results import save_arrays

        images = write_images(root / "images")
        run_dir = root / "run"
        result = oodnic("run", "--dataset", str(images), "--run-dir", str(run_dir), "--corruption", "all",
                        "--severity", "1,3", "--codec", "fixture_jpeg", "--codec", "fixture_webp", "--codec", "none",
                        "--metric", "all", "--metric", "fixture_spectra", "--device", "cpu", "--no-progress",
                        "--workers", "1")
        assert result.returncode == 0, result.stderr + result.stdout
        meta, arrays, metadata = fourier_arrays()
        save_arrays(run_dir, "fourier_heatmap", meta, arrays, metadata)
        _CACHE[root] = run_dir
    return _CACHE[root]


def write_planted_images(folder: Path) -> Path:
    """Three seeded random RGB images of PLANTED_SIZE (mean near 127.5)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    for index in range(3):
        Image.fromarray(rng.integers(0, 256, (*PLANTED_SIZE, 3), dtype=np.uint8)).save(folder / f"p{index}.png")
    return folder


PLANTED_CODECS = ("planted_anchor", "planted_twin", "planted_double", "planted_sharp", "planted_fussy", "none")


def make_planted_run(root: Path) -> Path:
    """The planted grid: PLANTED_CODECS x 3 images x (clean + planted_dim, planted_noise at 1, 3, 5); cached."""
    if root not in _CACHE:
        images = write_planted_images(root / "planted-images")
        run_dir = root / "planted"
        outcome = run_grid("planted_plugin", dataset=str(images), run_dir=str(run_dir),
                           codecs=[[name, None] for name in PLANTED_CODECS], corruptions=["planted_dim", "planted_noise"],
                           severities=[1, 3, 5], metrics=["psnr", "psnr_wrt_clean"])
        assert outcome["failed"] == 4 * 3  # planted_fussy on planted_dim s5: 4 qualities x 3 images
        _CACHE[root] = run_dir
    return _CACHE[root]


def make_report(run_dir: Path, **options):
    """The report of ``run_dir`` built in this process into ``run_dir``/../<name>-report; cached per options."""
    from oodnic_report.build import build_report
    from oodnic_report.context import Options

    key = (run_dir, tuple(sorted(options.items())))
    if key not in _CACHE:
        _CACHE[key] = build_report(run_dir, run_dir.parent / f"{run_dir.name}-report", options=Options(**options))
    return _CACHE[key]


RATE_TARGETS = (24.0, 96.0)


def make_planted_rate_run(root: Path) -> Path:
    """The planted codecs rate-matched at RATE_TARGETS on 3 images x (clean + planted_dim, planted_noise at 1, 5);
    planted_double's lowest rate is 48 bpp, so it cannot reach 24; cached."""
    if root not in _CACHE:
        images = write_planted_images(root / "planted-images")
        run_dir = root / "planted-rates"
        run_grid("planted_plugin", dataset=str(images), run_dir=str(run_dir),
                 codecs=[[name, None] for name in ("planted_anchor", "planted_double", "planted_sharp",
                                                   "planted_fussy", "none")],
                 corruptions=["planted_dim", "planted_noise"], severities=[1, 5], metrics=["psnr", "psnr_wrt_clean"],
                 target_bpp=list(RATE_TARGETS))
        _CACHE[root] = run_dir
    return _CACHE[root]
