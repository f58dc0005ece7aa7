"""The train command: seeded, checkpoints the codecs load, never on Kodak."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from oodnic_compressai.train import train_command
from oodnic_compressai.user import load_checkpoint_model


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (80, 96, 3), dtype=np.uint8)).save(folder / f"{i:03d}.png")
    return folder


def train(data, out, *extra):
    args = ["--data", str(data), "--out", str(out), "-N", "8", "-M", "8", "--steps", "3", "--batch", "2",
            "--crop", "64", "--lambdas", "0.01,0.05", *extra]
    result = CliRunner().invoke(train_command, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_training_writes_loadable_checkpoints_lowest_rate_first(photos, tmp_path):
    output = train(photos, tmp_path / "a")
    for k, lmbda in ((1, 0.01), (2, 0.05)):
        checkpoint = torch.load(tmp_path / "a" / f"oodnic-tiny-{k}.pt", weights_only=True)
        assert checkpoint["lambda"] == lmbda and checkpoint["architecture"] == "bmshj2018-hyperprior"
        assert "gaussian_conditional._quantized_cdf" not in checkpoint["state_dict"]  # rebuilt at load
    model = load_checkpoint_model(tmp_path / "a" / "oodnic-tiny-1.pt")
    x = torch.rand(1, 3, 64, 64)
    coded = model.compress(x)
    assert model.decompress(coded["strings"], coded["shape"])["x_hat"].shape == x.shape
    assert '"lambda": 0.05, "step": 3' in output


def test_same_seed_same_weights(photos, tmp_path):
    train(photos, tmp_path / "a")
    train(photos, tmp_path / "b")
    train(photos, tmp_path / "c", "--seed", "1")
    a, b, c = (torch.load(tmp_path / d / "oodnic-tiny-1.pt", weights_only=True)["state_dict"] for d in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_init_fine_tunes_every_rate_point_from_the_checkpoint(photos, tmp_path):
    train(photos, tmp_path / "a")
    train(photos, tmp_path / "b", "--init", str(tmp_path / "a" / "oodnic-tiny-2.pt"), "--steps", "0")
    init = torch.load(tmp_path / "a" / "oodnic-tiny-2.pt", weights_only=True)["state_dict"]
    for k in (1, 2):
        tuned = torch.load(tmp_path / "b" / f"oodnic-tiny-{k}.pt", weights_only=True)
        assert tuned["init"] == "oodnic-tiny-2.pt"
        assert all(torch.equal(init[key], tuned["state_dict"][key]) for key in init if "g_a" in key or "h_s" in key)


def test_refuses_to_train_on_kodak(tmp_path):
    Image.fromarray(np.zeros((80, 80, 3), dtype=np.uint8)).save(tmp_path / "kodim01.png")
    result = CliRunner().invoke(train_command, ["--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "Kodak is the test set" in result.output
