"""Fourier heat maps: bases, perturbations, batching, resuming, and the command."""

from __future__ import annotations

import json
import sqlite3

import click
import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

import oodnic_spectral
from oodnic_platform import get_registry
from oodnic_spectral.fourier import basis_signs, fourier_bases, half_plane_frequencies, perturb, psnr
from oodnic_spectral.heatmap import CropSet, HeatmapSettings, assemble, measure_bases, run_heatmap
from spectral_fakes import BlurCodec, IdentityCodec, smooth_image


def grey_crops(count: int, size: int, level: int = 128) -> CropSet:
    pixels = torch.full((count, 3, size, size), level, dtype=torch.uint8)
    return CropSet([f"grey{i}" for i in range(count)], [f"sha{i}" for i in range(count)], pixels)


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
    ours = fourier_bases([frequency], size, "cpu")[0].numpy()
    np.testing.assert_allclose(ours, reference, atol=1e-12)


def test_perturbation_has_norm_eps_and_one_sign_per_channel():
    crops, eps = grey_crops(1, 64), 4.0
    signs = torch.tensor([[[1.0, -1.0, 1.0]]], dtype=torch.float64)
    basis = fourier_bases([(2, 3)], 64, "cpu")
    delta = (perturb(crops.pixels, basis, signs, eps)[0, 0].double() - 128) / 255
    for channel, sign in enumerate((1, -1, 1)):
        assert torch.linalg.norm(delta[channel]).item() == pytest.approx(eps, rel=0.01)
        assert torch.sum(delta[channel] * basis[0] * sign).item() == pytest.approx(eps, rel=0.01)


def test_signs_are_seeded_per_image_and_basis():
    assert set(np.unique(basis_signs(0, "a", (1, 2)))) <= {-1.0, 1.0}
    np.testing.assert_array_equal(basis_signs(0, "a", (1, 2)), basis_signs(0, "a", (1, 2)))
    draws = {tuple(basis_signs(seed, "a", (1, 2))) for seed in range(20)}
    assert len(draws) > 1
    assert len({tuple(basis_signs(0, "a", f)) for f in half_plane_frequencies(7)}) > 1


def test_blur_codec_heatmap_error_grows_with_frequency(tmp_path):
    settings = HeatmapSettings(grid=15, crop=32, eps=4.0, seed=0, batch=64)
    path = run_heatmap(BlurCodec(1.5), 1, "grey", grey_crops(2, 32), settings, tmp_path)
    with np.load(path) as maps:
        psnr_input, psnr_clean = maps["psnr_input"], maps["psnr_clean"]
        np.testing.assert_array_equal(maps["frequencies"], np.arange(-7, 8))
        assert json.loads(str(maps["metadata"]))["grid"] == 15
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
    crops = CropSet(["a", "b"], ["sha-a", "sha-b"],
                    torch.from_numpy(np.stack([smooth_image(24, 24, s) for s in (1, 2)])).permute(0, 3, 1, 2))
    freqs = half_plane_frequencies(5)
    batched = measure_bases(BlurCodec(), 1, crops, freqs, 4.0, seed=7)
    single = [measure_bases(BlurCodec(), 1, crops, [f], 4.0, seed=7)[0] for f in freqs]
    assert batched == single


def test_rerun_resumes_and_larger_grid_reuses_bases(tmp_path):
    crops = grey_crops(3, 16)
    codec = IdentityCodec()
    IdentityCodec.calls = 0
    first = run_heatmap(codec, 1, "grey", crops, HeatmapSettings(grid=5, crop=16), tmp_path)
    assert IdentityCodec.calls == 3 * len(half_plane_frequencies(5))
    again = run_heatmap(codec, 1, "grey", crops, HeatmapSettings(grid=5, crop=16), tmp_path)
    assert IdentityCodec.calls == 3 * len(half_plane_frequencies(5)) and again == first
    run_heatmap(codec, 1, "grey", crops, HeatmapSettings(grid=7, crop=16), tmp_path)
    assert IdentityCodec.calls == 3 * len(half_plane_frequencies(7))
    run_heatmap(codec, 1, "grey", crops, HeatmapSettings(grid=5, crop=16, seed=1), tmp_path)
    assert IdentityCodec.calls == 3 * (len(half_plane_frequencies(7)) + len(half_plane_frequencies(5)))
    with sqlite3.connect(tmp_path / "results.sqlite") as conn:
        rows = conn.execute("SELECT COUNT(*), MIN(psnr_input) FROM fourier_heatmap").fetchone()
    assert rows == (len(half_plane_frequencies(7)) + len(half_plane_frequencies(5)), float("inf"))


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
            str(folder), "--grid", "5", "--crop", "16", "--device", "cpu", "--out", str(tmp_path / "out")]
    BlurCodec.calls = 0
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert BlurCodec.calls == 2 * len(half_plane_frequencies(5))
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and BlurCodec.calls == 2 * len(half_plane_frequencies(5))
    (npz,) = (tmp_path / "out").glob("fourier_heatmap_*.npz")
    with np.load(npz) as maps:
        meta = json.loads(str(maps["metadata"]))
        assert maps["psnr_input"].shape == (5, 5) and np.isfinite(maps["psnr_input"]).all()
    assert meta["settings"] == {"sigma": 2.0} and meta["image_names"] == ["im0.png", "im1.png"]
    bad = CliRunner().invoke(cli, [*args[:-2], "--crop", "64", "--out", str(tmp_path / "o2")])
    assert bad.exit_code != 0 and "smaller than the 64 px crop" in bad.output


def test_psnr_is_the_uint8_definition():
    rng = np.random.default_rng(5)
    a, b = (rng.integers(0, 256, (2, 3, 3, 8, 8), dtype=np.uint8) for _ in range(2))
    mse = ((a.astype(float) - b) ** 2).mean(axis=(-3, -2, -1))
    np.testing.assert_allclose(psnr(torch.from_numpy(a), torch.from_numpy(b)).numpy(), 10 * np.log10(255**2 / mse))
    assert torch.isinf(psnr(torch.from_numpy(a), torch.from_numpy(a))).all()
