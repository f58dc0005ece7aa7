"""Analytic checks of the error-spectrum metrics and of their saved layout."""

from __future__ import annotations

import dataclasses
import io
import json

import numpy as np
import pytest
from PIL import Image
from skimage import data
from skimage.color import rgb2gray

from oodnic_platform import Sample, add_arrays, read_image
from oodnic_spectral import SpectralMetric
from oodnic_spectral.metric import CLIC_MEAN, CLIC_STD, KODAK_MEAN, KODAK_STD, MANTISSA_BITS
from spectral_fakes import BlurCodec, IdentityCodec, ShadingCodec, SinusoidCodec, code, smooth_image

SIZE = (64, 96)


def run_group(metric: SpectralMetric, samples) -> dict[str, np.ndarray]:
    """What the runner does for one group: sum contributions, then finalize."""
    return metric.finalize(contributions(metric, samples))


def contributions(metric: SpectralMetric, samples) -> dict[str, np.ndarray]:
    total = None
    for sample in samples:
        metric.compute(sample)
        total = add_arrays(total, metric.accumulate(sample))
    return total


def unfolded(half: np.ndarray, width: int) -> np.ndarray:
    """The fftshift-ed full plane, rebuilt by the rule the metadata states (written here independently)."""
    height = half.shape[0]
    full = np.empty((height, width), dtype=np.float64)
    for j in range(width):
        full[:, j] = half[:, j] if j <= width // 2 else half[(-np.arange(height)) % height, width - j]
    return np.fft.fftshift(full)


def saved_bytes(metric: SpectralMetric, arrays: dict[str, np.ndarray]) -> int:
    """Size of the group's .npz as the core writes it (savez_compressed, metadata as a JSON string)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays, metadata=np.array(json.dumps(metric.metadata())))
    return len(buffer.getvalue())


@pytest.mark.parametrize("mode", ["power", "paper"])
def test_identity_codec_has_zero_error_spectrum(mode):
    metric = SpectralMetric(mode=mode, size=SIZE)
    metric.load("cpu")
    sample = code(IdentityCodec(), smooth_image(*SIZE))
    out = run_group(metric, [sample])
    assert out["D_half"].shape == (SIZE[0], SIZE[1] // 2 + 1) and out["D_half"].dtype == np.float32
    assert not out["D_half"].any() and not np.nan_to_num(out["D_radial"]).any()
    if mode == "power":
        assert all(v is None for v in metric.compute(sample).values())  # undefined, not NaN: the row stays ok


@pytest.mark.parametrize("mode", ["power", "paper"])
@pytest.mark.parametrize("ky, kx", [(5, 9), (-3, 20), (0, 7)])
def test_sinusoid_codec_peaks_at_its_frequency(mode, ky, kx):
    metric = SpectralMetric(mode=mode, size=SIZE)
    flat = np.full((*SIZE, 3), 128, dtype=np.uint8)
    out = run_group(metric, [code(SinusoidCodec(ky, kx, amplitude=60.0), flat)])
    spectrum = unfolded(out["D_half"], SIZE[1])
    centre = (SIZE[0] // 2, SIZE[1] // 2)
    peaks = {(centre[0] + ky, centre[1] + kx), (centre[0] - ky, centre[1] - kx)}
    assert np.unravel_index(np.argmax(spectrum), spectrum.shape) in peaks
    assert out["freq_y"][ky % SIZE[0]] == pytest.approx(ky / SIZE[0])
    assert out["freq_x"][abs(kx)] == pytest.approx(abs(kx) / SIZE[1])
    peak = spectrum.max()
    for where in peaks:
        spectrum[where] = 0
    # paper mode rounds the error (harmonics) and keeps |F|, not |F|^2
    assert spectrum.max() < (0.05 if mode == "power" else 0.5) * peak
    radius = np.hypot(ky / SIZE[0], kx / SIZE[1])
    assert np.argmax(np.nan_to_num(out["D_radial"])) == round(radius / metric.plane.radial_step)


def test_portrait_images_are_transposed_to_landscape():
    metric = SpectralMetric(size=SIZE)
    landscape = code(SinusoidCodec(4, 11), smooth_image(*SIZE))
    portrait = dataclasses.replace(
        landscape, clean=landscape.clean.transpose(1, 0, 2), input=landscape.input.transpose(1, 0, 2),
        reconstruction=landscape.reconstruction.transpose(1, 0, 2),
    )
    np.testing.assert_array_equal(run_group(metric, [portrait])["D_half"], run_group(metric, [landscape])["D_half"])


def test_power_spectrum_mean_is_the_mse_and_saved_planes_keep_their_precision():
    metric = SpectralMetric(size=SIZE)
    sample = code(BlurCodec(), smooth_image(*SIZE, seed=3))
    total = contributions(metric, [sample])
    mse = np.mean(((sample.reconstruction.astype(float) - sample.clean) / 255.0) ** 2)
    assert (metric.plane.weights * total["D"]).sum() / np.prod(SIZE) == pytest.approx(mse, rel=1e-12)
    out = metric.finalize(total)
    assert unfolded(out["D_half"], SIZE[1]).mean() == pytest.approx(mse, rel=2.0**-MANTISSA_BITS)
    exact = total["D"] / total["count"][0]
    np.testing.assert_allclose(out["D_half"], exact, rtol=2.0 ** -(MANTISSA_BITS + 1), atol=0)
    assert out["D_band_fraction"].sum() == pytest.approx(1.0)


def test_identity_codec_on_corrupted_input_has_zero_G_and_R_of_the_corruption():
    metric = SpectralMetric(size=SIZE)
    clean = smooth_image(*SIZE)
    corrupted = code(SinusoidCodec(6, 2, amplitude=30.0), clean).reconstruction
    out = run_group(metric, [code(IdentityCodec(), clean, corrupted, corruption="spectral-test")])
    assert not out["G_half"].any()
    direct = run_group(metric, [code(SinusoidCodec(6, 2, amplitude=30.0), clean)])  # its D is x~ - x
    np.testing.assert_allclose(out["R_half"], direct["D_half"], rtol=1e-6, atol=1e-12)
    assert set(out) >= {"G_half", "R_half", "G_radial", "R_radial", "G_band_fraction", "R_band_fraction"}
    assert "D_half" not in out


def test_blur_puts_more_error_in_the_high_band_than_smooth_shading():
    image = np.ascontiguousarray(data.astronaut()[:256, :256])
    metric = SpectralMetric(size=(256, 256))
    blur, shading = code(BlurCodec(), image), code(ShadingCodec(), image)
    blur_row, shading_row = metric.compute(blur), metric.compute(shading)
    assert blur_row["input_high"] > shading_row["input_high"] + 0.2
    assert shading_row["input_low"] > 0.9
    assert blur_row["input_high"] == blur_row["clean_high"]
    blur_out, shading_out = run_group(metric, [blur]), run_group(metric, [shading])
    assert blur_out["D_band_fraction"][2] > shading_out["D_band_fraction"][2] + 0.2


@pytest.mark.parametrize("mode", ["power", "paper"])
def test_planes_false_keeps_the_same_profiles_and_fractions_in_a_few_kilobytes(mode):
    image = smooth_image(*SIZE, seed=4)
    noisy = code(SinusoidCodec(3, 8, amplitude=25.0), image).reconstruction
    samples = [code(BlurCodec(s), image, noisy, corruption="spectral-test") for s in (1.0, 2.0)]
    full = SpectralMetric(mode=mode, size=SIZE)
    light = full.configure(planes="false")
    assert light.settings() == {"planes": False} and full.settings() == {"planes": True}
    total = contributions(light, samples)
    assert not any(key in total for key in ("G", "R")) and sum(v.nbytes for v in total.values()) < 4096
    expected, out = run_group(full, samples), full.finalize(total)  # the core finalizes with the registered metric
    assert not any(key.endswith("_half") for key in out) and out.keys() == light.finalize(total).keys()
    for key in ("G_radial", "R_radial", "G_band_fraction", "R_band_fraction"):
        np.testing.assert_allclose(out[key], expected[key], rtol=1e-12)


def test_metadata_states_the_layout_and_precision():
    meta = SpectralMetric().metadata()
    assert meta["layout_version"] == 2 and meta["mantissa_bits"] == MANTISSA_BITS
    assert meta["relative_precision"] == 2.0 ** -(MANTISSA_BITS + 1)
    assert "X_half[(-i) mod 512, 768 - j]" in meta["unfold"] and "numpy.fft.fftfreq(512)" in meta["arrays"]["X_half"]
    json.dumps(meta)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def reference_psd(recon: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """The paper's get_power_spectrums on Normalize(ToTensor(.)) images, written directly in numpy."""
    def normalise(image):
        if image.shape[0] > image.shape[1]:
            image = image.transpose(1, 0, 2)
        x = image.astype(np.float32) / np.float32(255)
        return (x - np.float32(KODAK_MEAN)) / np.float32(KODAK_STD)

    grey = rgb2gray(np.round(normalise(recon) - normalise(ref)))
    return np.abs(np.fft.fftshift(np.fft.fft2(grey)))


@pytest.fixture(scope="module")
def kodak_pair(kodak_dir):
    """kodim01 (landscape), kodim04 (portrait) and strongly noisy copies of them (errors up to 4 std)."""
    clean = [read_image(kodak_dir / name) for name in ("kodim01.png", "kodim04.png")]
    rng = np.random.default_rng(0)
    noisy = [np.clip(c + rng.normal(0, 60, c.shape), 0, 255).astype(np.uint8) for c in clean]
    return clean, noisy


def kodak_samples(clean, given, corruption):
    return [Sample(clean=c, input=g, reconstruction=jpeg(g, 10), num_bytes=0, image=f"im{i}",
                   corruption=corruption, severity=0 if corruption == "clean" else 3)
            for i, (c, g) in enumerate(zip(clean, given))]


def test_paper_mode_equals_the_reference_formula_on_kodak(kodak_pair):
    clean, noisy = kodak_pair
    metric = SpectralMetric("spectral_paper", "paper")
    metric.load("cpu")

    def check(total, key, expected):
        exact = unfolded(total[key] / total["count"][0], 768)
        assert expected.shape == (512, 768) and expected.max() > 0
        # the float32 grey image may differ in its last bit between BLAS kernels (CPUs): 1e-8 of the peak, not 1e-12
        assert np.max(np.abs(exact - expected)) <= 1e-8 * expected.max()
        out = metric.finalize(total)
        saved = unfolded(out[f"{key}_half"], 768)
        np.testing.assert_allclose(saved, expected, rtol=2.0 ** -(MANTISSA_BITS + 1), atol=1e-8 * expected.max())
        radius = np.hypot(*np.meshgrid(np.fft.fftshift(np.fft.fftfreq(512)), np.fft.fftshift(np.fft.fftfreq(768)),
                                       indexing="ij"))
        band = np.searchsorted([0.125, 0.25], radius, side="right")  # low < 1/8 <= mid < 1/4 <= high
        shares = np.array([expected[band == b].sum() for b in range(3)]) / expected.sum()
        np.testing.assert_allclose(out[f"{key}_band_fraction"], shares, rtol=1e-7)

    check(contributions(metric, kodak_samples(clean, clean, "clean")), "D",
          sum(reference_psd(jpeg(c, 10), c) for c in clean) / len(clean))
    total = contributions(metric, kodak_samples(clean, noisy, "gaussian_noise"))
    check(total, "G", sum(reference_psd(jpeg(n, 10), n) for n in noisy) / len(noisy))
    check(total, "R", sum(reference_psd(jpeg(n, 10), c) for c, n in zip(clean, noisy)) / len(noisy))


@pytest.mark.parametrize("name, mode", [("spectral", "power"), ("spectral_paper", "paper")])
def test_a_kodak_group_saves_at_most_1_MB(kodak_pair, name, mode):
    clean, noisy = kodak_pair
    metric = SpectralMetric(name, mode)
    clean_group = metric.finalize(contributions(metric, kodak_samples(clean, clean, "clean")))
    corrupted_group = metric.finalize(contributions(metric, kodak_samples(clean, noisy, "gaussian_noise")))
    assert {"G_half", "R_half"} <= set(corrupted_group)
    assert saved_bytes(metric, clean_group) <= 600_000
    assert saved_bytes(metric, corrupted_group) <= 1_000_000
    light = metric.configure(planes=False)
    assert saved_bytes(light, light.finalize(contributions(light, kodak_samples(clean, noisy, "noise")))) <= 20_000


def test_configure_changes_planes_and_rejects_unknown_or_bad_settings():
    kodak = SpectralMetric("p", "paper", size=SIZE)
    clic = SpectralMetric("p", "paper", size=SIZE, mean=CLIC_MEAN, std=CLIC_STD)
    sample = code(SinusoidCodec(3, 4, amplitude=60.0), np.full((*SIZE, 3), 128, dtype=np.uint8))
    assert not np.allclose(run_group(kodak, [sample])["D_half"], run_group(clic, [sample])["D_half"])
    assert kodak.configure(planes="no").planes is False and kodak.planes is True
    with pytest.raises(ValueError, match="no setting"):
        kodak.configure(gamma=2)
    with pytest.raises(ValueError, match="true or false"):
        kodak.configure(planes="maybe")
    with pytest.raises(ValueError, match="mode"):
        SpectralMetric(mode="amplitude")
    with pytest.raises(ValueError, match="cpu or cuda"):
        kodak.load("mps")
