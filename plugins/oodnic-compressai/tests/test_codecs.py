"""Codecs on small random-weight models: round trips, real entropy coding, batching, checkpoints."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from oodnic_compressai import CheckpointError, UserCodec
from oodnic_compressai.codec import pad
from oodnic_compressai.models import ARCHITECTURES, VBR_ARCHITECTURES, VBR_RATE_BOTTLENECK, ZOO_QUALITIES

ZOO = [*ZOO_QUALITIES, *VBR_ARCHITECTURES]
AUTOREGRESSIVE = {"mbt2018", "cheng2020-anchor", "cheng2020-attn"}


class NotATensor:
    """A custom object a malicious checkpoint might pickle."""


def small_model(arch: str) -> torch.nn.Module:
    torch.manual_seed(0)
    cls = ARCHITECTURES[arch]
    if arch.startswith("cheng2020"):
        return cls(16)
    return cls(16, 24, vr_entbttlnck=True) if arch in VBR_RATE_BOTTLENECK else cls(16, 24)


def user_codec(tmp_path, arch: str) -> UserCodec:
    path = tmp_path / f"{arch}.pth.tar"
    torch.save({"epoch": 3, "state_dict": small_model(arch).state_dict()}, path)  # as CompressAI's train.py saves
    codec = UserCodec().configure(arch=arch, checkpoint=str(path))
    codec.load("cpu")
    return codec


def quality_of(arch: str) -> float:
    return 0.5 if arch in VBR_ARCHITECTURES else 1


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    """A smooth 50x70 image (not a multiple of the stride, so padding and cropping matter)."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:50, 0:70]
    base = 120 + 60 * np.sin(xx / 9.0)[..., None] + 40 * np.cos(yy / 7.0)[..., None] * np.array([1, 0.5, -1])
    return np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("arch", ZOO)
def test_every_zoo_architecture_round_trips(tmp_path, image, arch):
    codec = user_codec(tmp_path, arch)
    data = codec.encode(image, quality_of(arch))
    assert isinstance(data, bytes) and data.info["est_bpp"] > 0
    fresh = UserCodec().configure(arch=arch, checkpoint=codec.checkpoint)  # decode needs only the bytes
    recon = fresh.decode(bytes(data))
    assert recon.shape == image.shape and recon.dtype == np.uint8
    # the decoder reproduces the encoder's reconstruction exactly
    np.testing.assert_array_equal(recon, codec.decode(data))


@pytest.mark.parametrize("arch", ZOO)
def test_estimated_bpp_is_the_plain_forward_pass_estimate(tmp_path, image, arch):
    codec = user_codec(tmp_path, arch)
    quality = quality_of(arch)
    model = codec.model(quality)
    x = pad(torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255)
    with torch.no_grad():
        likelihoods = model(x, **codec.coding_kwargs(model, quality))["likelihoods"].values()
    bits = float(sum(-torch.log2(lk).sum() for lk in likelihoods))
    assert codec.encode(image, quality).info["est_bpp"] == pytest.approx(bits / (50 * 70), rel=1e-5)
    assert isinstance(model.g_a, torch.nn.Sequential)  # the encoder's shortcut put everything back


@pytest.mark.parametrize("arch", [a for a in ZOO if a not in AUTOREGRESSIVE and a != "mbt2018-vbr"])
def test_entropy_decoding_equals_forward_quantised_reconstruction(tmp_path, image, arch):
    codec = user_codec(tmp_path, arch)
    quality = quality_of(arch)
    model = codec.model(quality)
    kwargs = codec.coding_kwargs(model, quality)
    x = pad(torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255)
    with torch.no_grad():
        expected = model(x, **kwargs)["x_hat"].clamp(0, 1)
        coded = model.compress(x, **kwargs)
        decoded = model.decompress(coded["strings"], coded["shape"], **kwargs)["x_hat"]
    torch.testing.assert_close(decoded, expected, atol=1e-4, rtol=0)
    # and through the codec, in 8-bit
    recon = codec.decode(codec.encode(image, quality)).astype(int)
    reference = expected[0, :, :50, :70].permute(1, 2, 0).mul(255).round().numpy().astype(int)
    assert np.abs(recon - reference).max() <= 1


@pytest.mark.parametrize("arch", sorted(AUTOREGRESSIVE))
def test_autoregressive_decoding_dequantises_with_the_context_means(tmp_path, image, arch):
    """Decoded latents are round(y - mean) + mean, with the means recomputed from those latents."""
    codec = user_codec(tmp_path, arch)
    model = codec.model(1)
    data = codec.encode(image, 1)
    seen = {}
    model.g_s.register_forward_pre_hook(lambda _, args: seen.update(y_hat=args[0].clone()))
    model.h_s.register_forward_pre_hook(lambda _, args: seen.update(z_hat=args[0].clone()))
    codec.decode(data)
    x = pad(torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255)
    with torch.no_grad():
        y, y_hat = model.g_a(x), seen["y_hat"]
        ctx = model.context_prediction(y_hat)
        _, means = model.entropy_parameters(torch.cat((model.h_s(seen["z_hat"]), ctx), dim=1)).chunk(2, 1)
    torch.testing.assert_close(y_hat, torch.round(y - means) + means, atol=1e-3, rtol=0)


def test_batch_gives_the_same_bytes_as_one_at_a_time(tmp_path, image):
    codec = user_codec(tmp_path, "mbt2018-mean")
    images = [image, np.ascontiguousarray(image[::-1]), np.ascontiguousarray(255 - image)]
    batch = codec.encode_batch(images, 1)
    assert [bytes(b) for b in batch] == [bytes(codec.encode(im, 1)) for im in images]
    assert [b.info["est_bpp"] for b in batch] == pytest.approx([codec.encode(im, 1).info["est_bpp"] for im in images])
    for decoded, single in zip(codec.decode_batch(batch), batch):
        np.testing.assert_array_equal(decoded, codec.decode(single))


def test_bitrate_is_the_bytes_compress_wrote_plus_a_small_header(tmp_path, image):
    codec = user_codec(tmp_path, "bmshj2018-hyperprior")
    model = codec.model(1)
    x = pad(torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255)
    with torch.no_grad():
        strings = model.compress(x)["strings"]
    payload = sum(len(s[0]) for s in strings)
    assert payload < len(codec.encode(image, 1)) <= payload + 24


def test_bitstream_of_another_model_is_refused(tmp_path, image):
    data = user_codec(tmp_path, "bmshj2018-hyperprior").encode(image, 1)
    other = user_codec(tmp_path, "mbt2018-mean")
    with pytest.raises(ValueError, match="another model"):
        other.decode(data)


def test_checkpoint_with_pickled_objects_is_refused_when_configured(tmp_path):
    path = tmp_path / "evil.pth.tar"
    torch.save({"state_dict": small_model("bmshj2018-hyperprior").state_dict(), "extra": NotATensor()}, path)
    with pytest.raises(CheckpointError) as info:
        UserCodec().configure(arch="bmshj2018-hyperprior", checkpoint=str(path))
    message = str(info.value)
    assert "\n" not in message and "refusing checkpoint" in message and "NotATensor" in message


def test_float_input_is_coded_unrounded_and_uint8_exactly_as_before(tmp_path, image):
    codec = user_codec(tmp_path, "mbt2018-mean")
    as_float = image.astype(np.float32)
    assert bytes(codec.encode(as_float, 1)) == bytes(codec.encode(image, 1))  # same values, same bytes
    perturbed = np.clip(as_float + np.float32(0.45) * np.sign(np.sin(np.arange(image.size))).reshape(image.shape),
                        0, 255).astype(np.float32)
    rounded = np.round(perturbed).astype(np.uint8)
    model = codec.model(1)
    with torch.no_grad():
        latents = [model.g_a(pad(torch.from_numpy(np.asarray(a, np.float32)).permute(2, 0, 1)[None] / 255))
                   for a in (perturbed, rounded)]
    assert not torch.equal(*latents)  # the network saw the unrounded values (bytes: see test_bundled)
    assert codec.encode_batch([perturbed, as_float], 1)[1] == codec.encode(image, 1)
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        codec.encode(as_float + 300, 1)


def test_missing_cdf_tables_are_computed(tmp_path, image):
    model = small_model("mbt2018-mean")
    state = {k: v for k, v in model.state_dict().items() if not k.endswith(("_quantized_cdf", "_offset", "_cdf_length", "scale_table"))}
    path = tmp_path / "training.pth.tar"
    torch.save(state, path)
    codec = UserCodec().configure(arch="mbt2018-mean", checkpoint=str(path))
    assert codec.decode(codec.encode(image, 1)).shape == image.shape


@pytest.mark.parametrize("arch", sorted(VBR_RATE_BOTTLENECK))
def test_variable_rate_checkpoint_with_stored_tables_loads(tmp_path, image, arch):
    model = small_model(arch)
    model.update(force=True)  # stores hyperprior tables sized for the default rate
    torch.save(model.state_dict(), tmp_path / "vbr.pt")
    codec = UserCodec().configure(arch=arch, checkpoint=str(tmp_path / "vbr.pt"))
    for quality in (0.1, 1.0):
        assert codec.decode(codec.encode(image, quality)).shape == image.shape
    tables = [codec.model(q).entropy_bottleneck._quantized_cdf for q in (0.1, 1.0)]
    assert tables[0].shape != tables[1].shape or not torch.equal(*tables)  # rebuilt for each rate


def test_model_class_by_import_path_and_per_quality_checkpoints(tmp_path, image):
    for quality in (1, 2):
        torch.manual_seed(quality)
        torch.save(ARCHITECTURES["bmshj2018-hyperprior"](16, 24 * quality).state_dict(), tmp_path / f"ckpt-{quality}.pt")
    codec = UserCodec().configure(model_class="compressai.models:ScaleHyperprior", checkpoint=str(tmp_path / "ckpt-{quality}.pt"))
    assert codec.unavailable_reason() is None
    assert codec.model(1).M == 24 and codec.model(2).M == 48
    assert codec.decode(codec.encode(image, 2)).shape == image.shape


@pytest.mark.parametrize("settings, message", [
    ({"model_class": "collections:OrderedDict"}, "not a compressai CompressionModel"),
    ({"model_class": "no_such_module_xyz:Model"}, "cannot import"),
])
def test_bad_model_class_is_a_one_line_error(tmp_path, image, settings, message):
    path = tmp_path / "m.pt"
    torch.save(small_model("bmshj2018-hyperprior").state_dict(), path)
    with pytest.raises(CheckpointError, match=message):
        UserCodec().configure(checkpoint=str(path), **settings).encode(image, 1)


def test_unconfigured_user_codec_says_how_to_configure_it():
    reason = UserCodec().unavailable_reason()
    assert reason is not None and "checkpoint=" in reason and "\n" not in reason
    with pytest.raises(ValueError, match="exactly one of arch"):
        UserCodec().configure(arch="mbt2018", model_class="a:B", checkpoint="x")
