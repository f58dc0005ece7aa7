"""The bundled oodnic-tiny family: real neural codecs for offline runs, small, monotone in rate, pruned as stated."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from oodnic_compressai import BundledCodec
from oodnic_platform.testing import CodecContract
from oodnic_compressai.bundled import BUNDLED, WEIGHTS_DIR
from oodnic_compressai.checkpoints import load_checkpoint_model, read_checkpoint
from oodnic_compressai.pruning import prunable_layers

KODAK = ("kodim01.png", "kodim07.png", "kodim15.png", "kodim23.png")
JPEG_LADDER = (1, 2, 3, 5, 8, 12, 18, 25, 35, 50, 65, 80, 90)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / mse))


def jpeg_point(images: list[np.ndarray], quality: int) -> tuple[float, float]:
    bpps, psnrs = [], []
    for image in images:
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=quality, subsampling=2)  # 4:2:0
        decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
        bpps.append(8 * buffer.tell() / (image.shape[0] * image.shape[1]))
        psnrs.append(psnr(image, decoded))
    return float(np.mean(bpps)), float(np.mean(psnrs))


@pytest.fixture(scope="module")
def kodak(kodak_dir) -> list[np.ndarray]:
    return [np.asarray(Image.open(kodak_dir / name).convert("RGB")) for name in KODAK]


@pytest.fixture(scope="module")
def rd_points(kodak) -> dict[str, list[tuple[float, float]]]:
    points = {}
    for name in BUNDLED:
        codec = BundledCodec(name).configure(estimate_bpp=False)
        codec.load("cpu")
        points[name] = []
        for quality in codec.qualities:
            data = codec.encode_batch(kodak, quality)
            recons = codec.decode_batch(data)
            bpp = np.mean([8 * len(d) / (im.shape[0] * im.shape[1]) for d, im in zip(data, kodak)])
            points[name].append((float(bpp), float(np.mean([psnr(im, r) for im, r in zip(kodak, recons)]))))
    return points


@pytest.mark.parametrize("name", BUNDLED)
def test_weights_ship_small_and_load_safely(name):
    codec = BundledCodec(name)
    assert codec.unavailable_reason() is None and len(codec.qualities) >= 3
    for path in codec.files():
        assert path.stat().st_size < 3 * 2**20
        torch.load(path, weights_only=True)
    assert set(codec.fingerprint()) == {p.name for p in codec.files()}


@pytest.mark.parametrize("name", BUNDLED)
def test_rate_distortion_points_increase_with_quality(rd_points, name):
    bpps, psnrs = zip(*rd_points[name])
    assert list(bpps) == sorted(bpps) and len(set(bpps)) == len(bpps), rd_points[name]
    assert list(psnrs) == sorted(psnrs) and len(set(psnrs)) == len(psnrs), rd_points[name]


def test_lowest_rate_beats_jpeg_at_equal_bpp(kodak, rd_points):
    jpeg = sorted(jpeg_point(kodak, q) for q in JPEG_LADDER)
    bpp, nic_psnr = rd_points["oodnic-tiny"][0]
    assert bpp <= jpeg[-1][0]
    # below JPEG's lowest rate np.interp takes JPEG's lowest point: more bits for JPEG, a conservative comparison
    jpeg_psnr = float(np.interp(bpp, [p[0] for p in jpeg], [p[1] for p in jpeg]))
    assert nic_psnr > jpeg_psnr, f"oodnic-tiny {nic_psnr:.2f} dB vs JPEG {jpeg_psnr:.2f} dB at {bpp:.3f} bpp"


@pytest.mark.parametrize("file", ["oodnic-tiny-vr-p95.pt", "oodnic-tiny-p95-0.pt", "oodnic-tiny-p95-2.pt",
                                  "oodnic-tiny-p95-4.pt"])
def test_pruned_model_is_as_sparse_as_it_says(file):
    path = WEIGHTS_DIR / file
    recorded = read_checkpoint(path)["sparsity"]
    weights = [layer.weight for layer in prunable_layers(load_checkpoint_model(path))]
    zeros = sum(int((w == 0).sum()) for w in weights) / sum(w.numel() for w in weights)
    assert recorded >= 0.95 and zeros == pytest.approx(recorded, abs=1e-6)


def test_float_input_changes_the_bitstream(kodak):
    """The perturbed image reaches the network unrounded (Fourier heat maps): other bytes than its rounded copy."""
    codec = BundledCodec()
    image = kodak[0][:128, :192]
    rng = np.random.default_rng(0)
    perturbed = np.clip(image + rng.uniform(-0.5, 0.5, image.shape), 0, 255).astype(np.float32)
    rounded = np.round(perturbed).astype(np.uint8)
    assert bytes(codec.encode(perturbed, 1)) != bytes(codec.encode(rounded, 1))


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_rate_declaration_holds_when_coding(name):
    """Variable-rate models: any lambda in range (continuous, rising); fixed-rate ones: a ladder of models."""
    codec = BundledCodec(name)
    assert codec.quality_scale == ("continuous" if BUNDLED[name].lambdas else "ladder")
    CodecContract().test_rate_declaration_holds_when_coding(codec)
