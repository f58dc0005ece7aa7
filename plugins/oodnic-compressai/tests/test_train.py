"""The train command: seeded, checkpoints the codecs load, never on Kodak."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from oodnic_compressai import UserCodec
from oodnic_compressai.bitstream import NESTED_VERSION
from oodnic_compressai.models import LAMBDA_ARCHITECTURE
from oodnic_compressai.pruning import prunable_layers, schedule
from oodnic_compressai.storage import pack, unpack
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


def test_long_size_options_train_an_n_equals_m_hyperprior(photos, tmp_path):
    """The paper's scale hyperprior has N = M (192); --N/--M set them (toy size here)."""
    train(photos, tmp_path / "a", "--arch", "bmshj2018-hyperprior", "--N", "12", "--M", "12", "--lambdas", "0.01")
    checkpoint = torch.load(tmp_path / "a" / "oodnic-tiny-1.pt", weights_only=True)
    assert checkpoint["config"] == {"N": 12, "M": 12}
    model = load_checkpoint_model(tmp_path / "a" / "oodnic-tiny-1.pt")
    assert model.N == model.M == 12


def test_variable_rate_model_takes_lambda_and_codes_through_the_user_codec(photos, tmp_path):
    output = train(photos, tmp_path / "vr", "--variable-rate", "--name", "vr", "--lambda-input", "log",
                   "--lambda-range", "0.001,0.2", "--film-hidden", "16")
    checkpoint = torch.load(tmp_path / "vr" / "vr.pt", weights_only=True)
    assert checkpoint["architecture"] == LAMBDA_ARCHITECTURE and checkpoint["lambda_range"] == [0.001, 0.2]
    assert '"lambda": [0.001, 0.2], "step": 3' in output
    codec = UserCodec().configure(arch=LAMBDA_ARCHITECTURE, checkpoint=str(tmp_path / "vr" / "vr.pt"),
                                  rate_argument="lmbda")
    image = np.random.default_rng(1).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    for lmbda in (0.002, 0.1):
        assert codec.decode(codec.encode(image, lmbda)).shape == image.shape
    model = codec.model(0.002)
    with torch.no_grad():  # lambda reaches the transforms: other lambdas, other latents
        for film in model.g_a.film:
            torch.nn.init.normal_(film.scale[2].weight)
        x = torch.rand(1, 3, 64, 64)
        assert not torch.equal(model.g_a(x, model.condition(0.002, 1, x)), model.g_a(x, model.condition(0.1, 1, x)))


def test_variable_rate_warm_start_begins_as_the_fixed_rate_model(photos, tmp_path):
    train(photos, tmp_path / "a", "--lambdas", "0.01")
    train(photos, tmp_path / "vr", "--variable-rate", "--name", "vr", "--init", str(tmp_path / "a" / "oodnic-tiny-1.pt"),
          "--steps", "0")
    fixed = load_checkpoint_model(tmp_path / "a" / "oodnic-tiny-1.pt")
    conditioned = load_checkpoint_model(tmp_path / "vr" / "vr.pt")
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        expected = fixed(x)["x_hat"]
        for lmbda in (0.0012, 0.26):
            torch.testing.assert_close(conditioned(x, lmbda)["x_hat"], expected)


def test_wider_n_m_than_the_init_grows_it_and_first_reconstructs_as_it(photos, tmp_path):
    train(photos, tmp_path / "a", "--lambdas", "0.01")
    train(photos, tmp_path / "w", "--init", str(tmp_path / "a" / "oodnic-tiny-1.pt"), "-N", "12", "-M", "16",
          "--lambdas", "0.01", "--steps", "0")
    narrow = load_checkpoint_model(tmp_path / "a" / "oodnic-tiny-1.pt")
    wide = load_checkpoint_model(tmp_path / "w" / "oodnic-tiny-1.pt")
    assert (wide.N, wide.M) == (12, 16) and wide.g_a[0].weight.shape[0] == 12
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        narrow_out, wide_out = narrow(x), wide(x)
    torch.testing.assert_close(wide_out["x_hat"], narrow_out["x_hat"])
    torch.testing.assert_close(wide_out["likelihoods"]["y"][:, :8], narrow_out["likelihoods"]["y"])
    result = CliRunner().invoke(train_command, ["--data", str(photos), "--out", str(tmp_path / "x"), "--init",
                                                str(tmp_path / "w" / "oodnic-tiny-1.pt"), "-N", "8", "--steps", "0",
                                                "--crop", "64"])
    assert result.exit_code != 0 and "must be at least the checkpoint's (12, 16)" in " ".join(result.output.split())


def test_pruning_reaches_the_sparsity_it_reports_in_the_weights(photos, tmp_path):
    output = train(photos, tmp_path / "p", "--variable-rate", "--name", "p", "--prune", "0.9", "--prune-window", "0,0.5",
                   "--steps", "4", "--half")
    checkpoint = torch.load(tmp_path / "p" / "p.pt", weights_only=True)
    model = load_checkpoint_model(tmp_path / "p" / "p.pt")
    weights = [layer.weight for layer in prunable_layers(model)]
    zeros = sum(int((w == 0).sum()) for w in weights) / sum(w.numel() for w in weights)
    assert checkpoint["prune"] == 0.9 and zeros >= 0.9 and zeros == pytest.approx(checkpoint["sparsity"], abs=1e-6)
    assert any(key.endswith("::mask") for key in checkpoint["state_dict"])  # stored compactly
    assert all(v.dtype != torch.float32 for k, v in checkpoint["state_dict"].items() if k.endswith("::values"))
    assert '"sparsity": 0.9' in output


def test_fixed_rate_pruning_too(photos, tmp_path):
    train(photos, tmp_path / "p", "--prune", "0.5")
    for k in (1, 2):
        assert torch.load(tmp_path / "p" / f"oodnic-tiny-{k}.pt", weights_only=True)["sparsity"] >= 0.5


def test_zhu_gupta_schedule_as_ood_nic():
    # ood_nic: final + (initial - final) * (1 - (t - t0) / (t1 - t0 + 1))**3 inside [t0, t1), final after
    assert schedule(0, 10, 20, 0.95) == 0.0 and schedule(9, 10, 20, 0.95) == 0.0
    assert schedule(10, 10, 20, 0.95) == pytest.approx(0.95 - 0.95 * (1 - 0 / 11) ** 3)
    assert schedule(15, 10, 20, 0.95) == pytest.approx(0.95 - 0.95 * (1 - 5 / 11) ** 3)
    assert schedule(20, 10, 20, 0.95) == schedule(99, 10, 20, 0.95) == 0.95
    values = [schedule(t, 10, 20, 0.95) for t in range(25)]
    assert values == sorted(values)


def test_elic_trains_and_codes(photos, tmp_path):
    train(photos, tmp_path / "e", "--arch", "elic2022-official", "--name", "elic", "-N", "8", "-M", "16",
          "--lambdas", "0.01", "--steps", "2")
    codec = UserCodec().configure(arch="elic2022-official", checkpoint=str(tmp_path / "e" / "elic-1.pt"))
    image = np.random.default_rng(2).integers(0, 256, (64, 128, 3), dtype=np.uint8)
    data = codec.encode(image, 1)
    assert data[2] == NESTED_VERSION  # ELIC's latent shape is a dict of group shapes
    assert codec.decode(bytes(data)).shape == image.shape


def test_compact_storage_is_exact():
    torch.manual_seed(0)
    dense = torch.randn(40, 30).half().float()
    sparse = dense * (torch.rand(40, 30) > 0.9)
    state = {"a": dense, "b": sparse, "c": torch.arange(5), "d": torch.tensor(1e-9)}
    packed = pack(state, half={"a", "b"})
    assert "b" not in packed and "b::mask" in packed and packed["a"].dtype == torch.float16
    restored = unpack(packed)
    assert all(torch.equal(restored[k], v) and restored[k].dtype == v.dtype for k, v in state.items())


def test_variable_rate_pruned_training_is_deterministic(photos, tmp_path):
    args = ("--variable-rate", "--name", "p", "--prune", "0.8", "--prune-window", "0,0.5", "--lambda-input", "log")
    for folder in ("a", "b"):
        train(photos, tmp_path / folder, *args)
    a, b = (torch.load(tmp_path / d / "p.pt", weights_only=True)["state_dict"] for d in "ab")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _train_process(data, out, *extra):
    args = [sys.executable, "-m", "oodnic_compressai.train", "--data", str(data), "--out", str(out), "-N", "8",
            "-M", "8", "--steps", "40", "--batch", "2", "--crop", "64", "--lambdas", "0.01,0.05",
            "--checkpoint-every", "2", *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _state_step(path):
    try:
        return torch.load(path, weights_only=True)["step"]
    except (FileNotFoundError, RuntimeError, EOFError):
        return 0


def test_killed_and_resumed_training_equals_an_uninterrupted_run(photos, tmp_path):
    whole = _train_process(photos, tmp_path / "whole")
    assert whole.wait(timeout=300) == 0, whole.stdout.read()
    killed = _train_process(photos, tmp_path / "pieces")
    state = tmp_path / "pieces" / "oodnic-tiny-1.state.pt"  # the second rate point trained (lowest lambda)
    deadline = time.monotonic() + 300
    while _state_step(state) < 10 and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert 10 <= _state_step(state) < 40 and not (tmp_path / "pieces" / "oodnic-tiny-1.pt").exists()
    refused = _train_process(photos, tmp_path / "pieces")
    assert refused.wait(timeout=300) == 2 and "--resume" in refused.stdout.read()
    resumed = _train_process(photos, tmp_path / "pieces", "--resume")
    output = resumed.stdout.read()
    assert resumed.wait(timeout=300) == 0, output
    assert '"resumed"' in output and '"lambda": 0.05' not in output  # the finished point is not trained again
    for k in (1, 2):
        a, b = (torch.load(tmp_path / d / f"oodnic-tiny-{k}.pt", weights_only=True)["state_dict"]
                for d in ("whole", "pieces"))
        assert a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)


def test_a_finished_run_from_an_init_checkpoint_resumes_by_skipping_every_point(photos, tmp_path):
    """The next stage of a family (--init a trained checkpoint of the same size) run again after it finished:
    every point is skipped (the finished model's entropy tables differ in size from the init's), nothing changes."""
    train(photos, tmp_path / "a")
    stage = ("--init", str(tmp_path / "a" / "oodnic-tiny-2.pt"), "--checkpoint-every", "1", "--resume")
    train(photos, tmp_path / "b", *stage)
    for k in (1, 2):  # as after a long stage: the finished models' quantiles moved away from the init's
        path = tmp_path / "b" / f"oodnic-tiny-{k}.pt"
        checkpoint, model = torch.load(path, weights_only=True), load_checkpoint_model(path)
        with torch.no_grad():
            model.entropy_bottleneck.quantiles *= 3
        model.update(force=True)
        state = model.state_dict()
        checkpoint["state_dict"] = {k: state[k] for k in checkpoint["state_dict"]}
        torch.save(checkpoint, path)
    before = {k: (tmp_path / "b" / f"oodnic-tiny-{k}.pt").read_bytes() for k in (1, 2)}
    output = train(photos, tmp_path / "b", *stage)
    assert output.count('"done": true') == 2 and '"step"' not in output
    assert before == {k: (tmp_path / "b" / f"oodnic-tiny-{k}.pt").read_bytes() for k in (1, 2)}


def test_resume_with_other_settings_is_refused(photos, tmp_path):
    first = _train_process(photos, tmp_path / "a")
    assert first.wait(timeout=300) == 0
    other = _train_process(photos, tmp_path / "a", "--resume", "--lr", "1e-3")
    output = other.stdout.read()
    assert other.wait(timeout=300) == 2 and "other settings (recipe)" in output


def test_eval_dir_logs_the_held_out_curve(photos, tmp_path):
    train(photos, tmp_path / "a", "--checkpoint-every", "1", "--eval-dir", str(photos))
    lines = [json.loads(line) for line in (tmp_path / "a" / "oodnic-tiny-1.curve.jsonl").read_text().splitlines()]
    assert [entry["step"] for entry in lines] == [1, 2, 3] and all(entry["bpp"] > 0 for entry in lines)
    train(photos, tmp_path / "b", "--checkpoint-every", "1", "--eval-dir", str(photos))  # the same run elsewhere
    (tmp_path / "a" / "oodnic-tiny-1.state.pt").unlink()  # trained again from step 0: a new curve, not appended
    (tmp_path / "a" / "oodnic-tiny-2.state.pt").unlink()
    train(photos, tmp_path / "a", "--checkpoint-every", "1", "--eval-dir", str(photos))
    assert (tmp_path / "a" / "oodnic-tiny-1.curve.jsonl").read_text() == (tmp_path / "b" / "oodnic-tiny-1.curve.jsonl").read_text()


def high_frequency_power(x: torch.Tensor) -> float:
    spectrum = torch.fft.fft2(x - x.mean()).abs().pow(2)
    return float(spectrum[..., 16:48, 16:48].sum() / spectrum.sum())


def test_spectral_regimes_move_the_training_spectrum_and_none_draws_nothing():
    from oodnic_compressai.train import spectral_regime

    x = torch.from_numpy(np.random.default_rng(0).random((2, 3, 64, 64), dtype=np.float32)).round().mul(0.5).add(0.25)
    x = torch.nn.functional.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)  # some texture
    rng = np.random.default_rng(1)
    assert torch.equal(spectral_regime(x, "none", rng), x) and rng.random() == np.random.default_rng(1).random()
    noisy = spectral_regime(x, "noise:0.05", np.random.default_rng(2))
    blurred = spectral_regime(x, "blur:2", np.random.default_rng(2))
    assert high_frequency_power(noisy) > 2 * high_frequency_power(x) and high_frequency_power(blurred) < high_frequency_power(x) / 4
    assert torch.equal(noisy, spectral_regime(x, "noise:0.05", np.random.default_rng(2)))
    assert torch.equal(noisy * 255, (noisy * 255).round())  # 8-bit, as a stored photograph


def test_data_filter_trains_on_the_regime_and_records_it(photos, tmp_path):
    train(photos, tmp_path / "a", "--lambdas", "0.01")
    train(photos, tmp_path / "n", "--lambdas", "0.01", "--data-filter", "noise:0.1")
    plain, noisy = (torch.load(tmp_path / d / "oodnic-tiny-1.pt", weights_only=True) for d in "an")
    assert noisy["data_filter"] == "noise:0.1" and "data_filter" not in plain
    assert not all(torch.equal(plain["state_dict"][k], noisy["state_dict"][k]) for k in plain["state_dict"])
    result = CliRunner().invoke(train_command, ["--data", str(photos), "--out", str(tmp_path / "x"),
                                                "--data-filter", "blur:-1"])
    assert result.exit_code == 2 and "blur:STD (0 < STD <= 8 px), not 'blur:-1'" in " ".join(result.output.split())
