"""Fourier heat maps: bases, perturbations, batching, processes, float input, resuming, and the command."""

from __future__ import annotations

import json
import os
import sqlite3

import click
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import oodnic_spectral
from oodnic_platform import ConfigError, get_registry
from oodnic_platform.results import open_run
from oodnic_spectral.fourier import basis_signs, fourier_bases, half_plane_frequencies, perturb, psnr, sign_table
from oodnic_spectral.heatmap import CropSet, HeatmapSettings, assemble, measure_bases, run_heatmap
from spectral_fakes import BlurCodec, FloatDeviceCodec, IdentityCodec, LoadLoggingBlur, RawCodec, smooth_image


def grey_crops(count: int, size: int, level: int = 128) -> CropSet:
    pixels = np.full((count, size, size, 3), level, dtype=np.uint8)
    return CropSet([f"grey{i}" for i in range(count)], [f"sha{i}" for i in range(count)], pixels)


def smooth_crops(count: int, size: int) -> CropSet:
    pixels = np.stack([smooth_image(size, size, seed) for seed in range(count)])
    return CropSet([f"im{i}" for i in range(count)], [f"sha-{i}" for i in range(count)], pixels)


def maps(path) -> tuple[dict[str, np.ndarray], dict]:
    with np.load(path) as saved:
        return {k: saved[k] for k in saved.files if k != "metadata"}, json.loads(str(saved["metadata"]))


def test_half_plane_covers_the_grid_once_up_to_point_symmetry():
    freqs = half_plane_frequencies(5)
    assert len(freqs) == (5 * 5 + 1) // 2
    mirrored = set(freqs) | {(-fy, -fx) for fy, fx in freqs}
    assert mirrored == {(fy, fx) for fy in range(-2, 3) for fx in range(-2, 3)}
    with pytest.raises(ValueError):
        half_plane_frequencies(4)


@pytest.mark.parametrize("frequency", [(0, 0), (3, 0), (-3, 0), (-2, 5), (7, 1), (0, 7)])
def test_bases_equal_the_paper_irfftn_bases(frequency):
    size = 32
    spectrum = np.zeros((size, size // 2 + 1))
    spectrum[frequency[0] % size, frequency[1]] = 1.0
    reference = np.fft.irfftn(spectrum, s=(size, size), axes=(-2, -1))
    reference /= np.linalg.norm(reference)
    np.testing.assert_allclose(fourier_bases([frequency], size)[0], reference, atol=1e-12)


@pytest.mark.parametrize("feed, tolerance", [("uint8", 0.01), ("float32", 1e-6)])
def test_perturbation_has_norm_eps_and_one_sign_per_channel(feed, tolerance):
    crops, eps = grey_crops(1, 64), 4.0
    signs = np.array([[[1.0, -1.0, 1.0]]])
    basis = fourier_bases([(2, 3)], 64)
    given = perturb(crops.pixels, basis, signs, eps, feed)
    assert given.dtype == np.dtype(feed)
    delta = (given[0, 0].astype(np.float64) - 128) / 255
    for channel, sign in enumerate((1, -1, 1)):
        assert np.linalg.norm(delta[..., channel]) == pytest.approx(eps, rel=tolerance)
        assert np.sum(delta[..., channel] * basis[0] * sign) == pytest.approx(eps, rel=tolerance)


def test_uint8_perturbation_is_the_rounded_clamped_paper_formula():
    crops = smooth_crops(2, 48)
    crops.pixels[0, :8] = 255  # saturated pixels clip
    freqs = half_plane_frequencies(7)
    bases, signs = fourier_bases(freqs, 48), sign_table(3, crops.sha256, freqs)
    ours = perturb(crops.pixels, bases, signs, 4.0, "uint8")
    x = crops.pixels[None] / 255.0 + 4.0 * bases[:, None, :, :, None] * signs[:, :, None, None, :]
    np.testing.assert_array_equal(ours, np.rint(255 * np.clip(x, 0, 1)))
    floats = perturb(crops.pixels, bases, signs, 4.0, "float32")
    np.testing.assert_allclose(floats, 255 * np.clip(x, 0, 1), rtol=1e-6)
    assert floats.min() == 0.0 and floats.max() == 255.0 and np.any(floats != np.rint(floats))


def test_signs_are_seeded_per_image_and_basis():
    assert set(np.unique(basis_signs(0, "a", (1, 2)))) <= {-1.0, 1.0}
    np.testing.assert_array_equal(basis_signs(0, "a", (1, 2)), basis_signs(0, "a", (1, 2)))
    draws = {tuple(basis_signs(seed, "a", (1, 2))) for seed in range(20)}
    assert len(draws) > 1
    assert len({tuple(basis_signs(0, "a", f)) for f in half_plane_frequencies(7)}) > 1


def test_blur_codec_heatmap_error_grows_with_frequency(tmp_path):
    settings = HeatmapSettings(grid=15, crop=32, eps=4.0, seed=0, batch=64)
    arrays, meta = maps(run_heatmap(BlurCodec(1.5), 1, "grey", grey_crops(2, 32), settings, tmp_path))
    psnr_input, psnr_clean = arrays["psnr_input"], arrays["psnr_clean"]
    np.testing.assert_array_equal(arrays["frequencies"], np.arange(-7, 8))
    assert meta["grid"] == 15 and meta["feed"] == "uint8"
    np.testing.assert_array_equal(psnr_input, psnr_input[::-1, ::-1])
    axis = psnr_input[7, 8:]  # fy = 0, fx = 1 .. 7
    assert np.all(np.diff(axis) < 0), axis
    assert np.all(np.diff(psnr_input[8:, 7]) < 0)
    # blur(x + d) - x = blur(d) on a flat image: fades as the frequency grows
    assert np.all(np.diff(psnr_clean[7, 8:]) > 0)
    fy, fx = np.meshgrid(np.arange(-7, 8), np.arange(-7, 8), indexing="ij")
    radius = np.hypot(fy, fx)
    assert psnr_input[radius <= 2].mean() > psnr_input[(radius > 4) & (radius <= 6)].mean() + 3


def test_batched_results_equal_one_basis_at_a_time():
    crops = smooth_crops(2, 24)
    freqs = half_plane_frequencies(5)
    batched = measure_bases(BlurCodec(), 1, crops, freqs, 4.0, seed=7)
    single = [measure_bases(BlurCodec(), 1, crops, [f], 4.0, seed=7)[0] for f in freqs]
    assert batched == single


def test_a_process_pool_gives_the_same_maps_and_loads_the_codec_once_per_worker(tmp_path):
    crops, log = smooth_crops(2, 24), tmp_path / "loads.txt"
    one = run_heatmap(BlurCodec(), 1, "d", crops, HeatmapSettings(grid=7, crop=24, batch=2), tmp_path / "one")
    pooled = run_heatmap(LoadLoggingBlur(str(log)), 1, "d", crops,
                         HeatmapSettings(grid=7, crop=24, batch=2, workers=2), tmp_path / "pool")
    for key in ("psnr_input", "psnr_clean", "bpp", "psnr_unperturbed"):
        np.testing.assert_array_equal(maps(one)[0][key], maps(pooled)[0][key])
    blurred = np.stack(BlurCodec().decode_batch(BlurCodec().encode_batch(list(crops.pixels), 1)))
    assert float(maps(one)[0]["psnr_unperturbed"]) == pytest.approx(float(psnr(blurred, crops.pixels).mean()))
    pids = log.read_text().split()
    assert len(pids) == len(set(pids)) == 2 and str(os.getpid()) not in pids


def test_float_codecs_are_fed_unrounded_input_and_compared_with_it(tmp_path):
    crops, codec = smooth_crops(3, 24), FloatDeviceCodec()
    codec.load("cpu")
    settings = HeatmapSettings(grid=5, crop=24, batch=6, workers=2)
    arrays, meta = maps(run_heatmap(codec, 1, "d", crops, settings, tmp_path))
    assert meta["feed"] == "float32" and "not rounded" in meta["perturbation"]
    assert codec.dtypes == {"float32"} and codec.fractional
    # 13 bases, 2 per call, in this process, then the 3 crops unperturbed (the maps' reference level)
    assert codec.loads == 1 and codec.batches == [6] * 6 + [3] + [3]
    assert np.isinf(arrays["psnr_unperturbed"])  # the identity codec returns the clean crops exactly
    freqs = half_plane_frequencies(5)
    given = perturb(crops.pixels, fourier_bases(freqs, 24), sign_table(0, crops.sha256, freqs), 4.0, "float32")
    expected = psnr(np.rint(given).astype(np.uint8), given).mean(axis=1)
    np.testing.assert_allclose(assemble(5, dict(zip(freqs, expected))), arrays["psnr_input"], rtol=1e-12)
    assert np.isfinite(arrays["psnr_input"]).all()  # the identity codec's rounding shows against float input
    uint8 = maps(run_heatmap(IdentityCodec(), 1, "d", crops, settings, tmp_path / "uint8"))[0]
    assert np.isinf(uint8["psnr_input"]).all()


def test_a_failed_item_of_a_batch_is_one_clear_error():
    class Failing(RawCodec):
        def encode_batch(self, images, quality):
            return [ValueError("bad block")] + [self.encode(i, quality) for i in images[1:]]

    with pytest.raises(RuntimeError, match="failed to encode a perturbed crop: bad block"):
        measure_bases(Failing(), 1, smooth_crops(2, 16), [(0, 1)], 4.0, 0)


def test_rerun_resumes_and_larger_grid_reuses_bases(tmp_path):
    crops = grey_crops(3, 16)
    codec = IdentityCodec()
    IdentityCodec.calls = 0
    first = run_heatmap(codec, 1, "grey", crops, HeatmapSettings(grid=5, crop=16), tmp_path)
    # every basis on 3 crops, then the 3 crops unperturbed once per run key (the maps' reference level)
    assert IdentityCodec.calls == 3 * len(half_plane_frequencies(5)) + 3
    again = run_heatmap(codec, 1, "grey", crops, HeatmapSettings(grid=5, crop=16), tmp_path)
    assert IdentityCodec.calls == 3 * len(half_plane_frequencies(5)) + 3 and again == first
    run_heatmap(codec, 1, "grey", crops, HeatmapSettings(grid=7, crop=16), tmp_path)
    assert IdentityCodec.calls == 3 * len(half_plane_frequencies(7)) + 3
    run_heatmap(codec, 1, "grey", crops, HeatmapSettings(grid=5, crop=16, seed=1), tmp_path)
    assert IdentityCodec.calls == 3 * (len(half_plane_frequencies(7)) + len(half_plane_frequencies(5))) + 6
    with sqlite3.connect(tmp_path / "fourier_heatmap.sqlite") as conn:
        rows = conn.execute("SELECT COUNT(*), MIN(psnr_input) FROM fourier_heatmap").fetchone()
    assert rows == (len(half_plane_frequencies(7)) + len(half_plane_frequencies(5)), float("inf"))
    # the seconds spent on a map add up over the runs that resumed it: grid 7 reused the 13 bases of grid 5
    _, grid5 = maps(first)
    _, grid7 = maps(next(tmp_path.glob("fourier_heatmap_*_k7_*.npz")))
    assert (grid5["timed_bases"], grid7["timed_bases"]) == (13, 25) and grid5["run_key"] == grid7["run_key"]
    assert 0 < grid5["timed_seconds"] <= grid7["timed_seconds"]
    with open_run(tmp_path) as run:  # the maps are array groups of the folder, as `oodnic report` reads them
        groups = run.arrays("fourier_heatmap")
    assert sorted((g.meta["grid"], g.meta["seed"]) for g in groups) == [(5, 0), (5, 1), (7, 0)]
    assert all(g.load()["psnr_input"].shape == (g.meta["grid"],) * 2 for g in groups)


def test_assemble_is_point_symmetric():
    values = {f: float(i) for i, f in enumerate(half_plane_frequencies(3))}
    grid = assemble(3, values)
    np.testing.assert_array_equal(grid, grid[::-1, ::-1])
    assert grid[1 + 1, 1 + 0] == values[(1, 0)] and grid[1 - 1, 1 + 1] == values[(-1, 1)]


def test_fourier_heatmap_command(tmp_path, monkeypatch):
    folder = tmp_path / "images"
    folder.mkdir()
    for seed in range(2):
        Image.fromarray(smooth_image(20, 30, seed)).save(folder / f"im{seed}.png")
    monkeypatch.setitem(get_registry().codecs, BlurCodec.name, BlurCodec())
    cli = click.Group("oodnic")
    oodnic_spectral.register_commands(cli)
    args = ["fourier-heatmap", "--codec", BlurCodec.name, "--set", "sigma=2", "--quality", "1", "--dataset",
            str(folder), "--grid", "5", "--crop", "16", "--workers", "1", "--out", str(tmp_path / "out")]
    BlurCodec.calls = 0
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert BlurCodec.calls == 2 * len(half_plane_frequencies(5)) + 2  # and the 2 crops unperturbed
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and BlurCodec.calls == 2 * len(half_plane_frequencies(5)) + 2
    (npz,) = (tmp_path / "out").glob("fourier_heatmap_*.npz")
    arrays, meta = maps(npz)
    assert arrays["psnr_input"].shape == (5, 5) and np.isfinite(arrays["psnr_input"]).all()
    assert meta["settings"] == {"sigma": 2.0} and meta["image_names"] == ["im0.png", "im1.png"]
    assert meta["feed"] == "uint8" and meta["workers"] == 1
    for extra, message in ((["--crop", "64", "--out", str(tmp_path / "o2")], "smaller than the 64 px crop"),
                           (["--eps", "-1", "--out", str(tmp_path / "o2")], "-1.0 is not in the range x>0"),
                           (["--out", "/proc/oodnic-heatmap"], "--out /proc/oodnic-heatmap: /proc is not writable")):
        bad = CliRunner().invoke(cli, [*args[:-2], *extra], standalone_mode=False)
        assert isinstance(bad.exception, (click.UsageError, ConfigError)), bad.output
        assert message in str(bad.exception), bad.exception
    assert not (tmp_path / "o2").exists()


def test_a_device_codec_refuses_a_malformed_device_before_any_work(tmp_path, monkeypatch):
    monkeypatch.setitem(get_registry().codecs, FloatDeviceCodec.name, FloatDeviceCodec())
    cli = click.Group("oodnic")
    oodnic_spectral.register_commands(cli)
    bad = CliRunner().invoke(cli, ["fourier-heatmap", "--codec", FloatDeviceCodec.name, "--quality", "1", "--device",
                                   "gpu", "--out", str(tmp_path / "out")], standalone_mode=False)
    assert isinstance(bad.exception, ConfigError) and "--device must be auto, cpu, cuda or cuda:N" in str(bad.exception)
    assert not (tmp_path / "out").exists()


def test_psnr_is_the_peak_255_definition_for_uint8_and_float_references():
    rng = np.random.default_rng(5)
    a, b = (rng.integers(0, 256, (2, 3, 8, 8, 3), dtype=np.uint8) for _ in range(2))
    mse = ((a.astype(float) - b) ** 2).mean(axis=(-3, -2, -1))
    np.testing.assert_allclose(psnr(a, b), 10 * np.log10(255**2 / mse))
    floats = b.astype(np.float32) + np.float32(0.25)
    mse = ((a.astype(float) - floats) ** 2).mean(axis=(-3, -2, -1))
    np.testing.assert_allclose(psnr(a, floats), 10 * np.log10(255**2 / mse), rtol=1e-12)
    assert np.isinf(psnr(a, a)).all()
