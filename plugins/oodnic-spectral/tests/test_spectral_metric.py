"""Analytic checks of the error-spectrum metrics."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image
from skimage import data
from skimage.color import rgb2gray

from oodnic_platform import Sample, add_arrays, read_image
from oodnic_spectral import SpectralMetric
from oodnic_spectral.metric import KODAK_MEAN, KODAK_STD
from spectral_fakes import BlurCodec, IdentityCodec, ShadingCodec, SinusoidCodec, code, smooth_image

SIZE = (64, 96)


def run_group(metric: SpectralMetric, samples) -> dict[str, np.ndarray]:
    """What the runner does for one group: sum contributions, then finalize."""
    total = None
    for sample in samples:
        metric.compute(sample)
        total = add_arrays(total, metric.accumulate(sample))
    return metric.finalize(total)


@pytest.mark.parametrize("mode", ["power", "paper"])
def test_identity_codec_has_zero_error_spectrum(mode):
    metric = SpectralMetric(mode=mode, size=SIZE)
    metric.load("cpu")
    sample = code(IdentityCodec(), smooth_image(*SIZE))
    out = run_group(metric, [sample])
    assert out["D"].shape == SIZE and not out["D"].any() and not np.nan_to_num(out["D_radial"]).any()
    if mode == "power":
        assert all(np.isnan(v) for v in metric.compute(sample).values())


@pytest.mark.parametrize("mode", ["power", "paper"])
@pytest.mark.parametrize("ky, kx", [(5, 9), (-3, 20), (0, 7)])
def test_sinusoid_codec_peaks_at_its_frequency(mode, ky, kx):
    metric = SpectralMetric(mode=mode, size=SIZE)
    flat = np.full((*SIZE, 3), 128, dtype=np.uint8)
    out = run_group(metric, [code(SinusoidCodec(ky, kx, amplitude=60.0), flat)])
    spectrum = out["D"].copy()
    centre = (SIZE[0] // 2, SIZE[1] // 2)
    peaks = {(centre[0] + ky, centre[1] + kx), (centre[0] - ky, centre[1] - kx)}
    assert np.unravel_index(np.argmax(spectrum), spectrum.shape) in peaks
    assert out["freq_y"][centre[0] + ky] == pytest.approx(ky / SIZE[0])
    assert out["freq_x"][centre[1] + kx] == pytest.approx(kx / SIZE[1])
    for peak in peaks:
        spectrum[peak] = 0
    # paper mode rounds the error (harmonics) and keeps |F|, not |F|^2
    assert spectrum.max() < (0.05 if mode == "power" else 0.5) * out["D"].max()
    radius = np.hypot(ky / SIZE[0], kx / SIZE[1])
    assert np.argmax(np.nan_to_num(out["D_radial"])) == round(radius / metric.plane.radial_step)


def test_portrait_images_are_transposed_to_landscape():
    metric = SpectralMetric(size=SIZE)
    landscape = code(SinusoidCodec(4, 11), smooth_image(*SIZE))
    portrait = dataclasses.replace(
        landscape, clean=landscape.clean.transpose(1, 0, 2), input=landscape.input.transpose(1, 0, 2),
        reconstruction=landscape.reconstruction.transpose(1, 0, 2),
    )
    np.testing.assert_array_equal(run_group(metric, [portrait])["D"], run_group(metric, [landscape])["D"])


def test_power_spectrum_mean_is_the_mse():
    metric = SpectralMetric(size=SIZE)
    sample = code(BlurCodec(), smooth_image(*SIZE, seed=3))
    out = run_group(metric, [sample])
    mse = np.mean(((sample.reconstruction.astype(float) - sample.clean) / 255.0) ** 2)
    assert out["D"].mean() == pytest.approx(mse, rel=1e-5)
    assert out["D_band_fraction"].sum() == pytest.approx(1.0)


def test_identity_codec_on_corrupted_input_has_zero_G_and_R_of_the_corruption():
    metric = SpectralMetric(size=SIZE)
    clean = smooth_image(*SIZE)
    corrupted = code(SinusoidCodec(6, 2, amplitude=30.0), clean).reconstruction
    out = run_group(metric, [code(IdentityCodec(), clean, corrupted, corruption="spectral-test")])
    assert not out["G"].any()
    direct = run_group(metric, [code(SinusoidCodec(6, 2, amplitude=30.0), clean)])  # its D is x~ - x
    np.testing.assert_allclose(out["R"], direct["D"], rtol=1e-6, atol=1e-12)
    assert set(out) >= {"G", "R", "G_radial", "R_radial", "G_band_fraction", "R_band_fraction"} and "D" not in out


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


def test_paper_mode_equals_the_reference_formula_on_kodak(kodak_dir):
    clean = [read_image(kodak_dir / name) for name in ("kodim01.png", "kodim04.png")]  # landscape, portrait
    rng = np.random.default_rng(0)
    noisy = [np.clip(c + rng.normal(0, 25, c.shape), 0, 255).astype(np.uint8) for c in clean]
    metric = SpectralMetric("spectral_paper", "paper")
    metric.load("cpu")

    def sample(c, given, corruption):
        return Sample(clean=c, input=given, reconstruction=jpeg(given, 10), num_bytes=0, corruption=corruption)

    out = run_group(metric, [sample(c, c, "clean") for c in clean])
    expected = sum(reference_psd(jpeg(c, 10), c) for c in clean) / len(clean)
    assert expected.shape == (512, 768) and expected.max() > 0
    np.testing.assert_allclose(out["D"], expected, rtol=1e-6, atol=1e-6 * expected.max())

    out = run_group(metric, [sample(c, n, "gaussian_noise") for c, n in zip(clean, noisy)])
    expected_g = sum(reference_psd(jpeg(n, 10), n) for n in noisy) / len(noisy)
    expected_r = sum(reference_psd(jpeg(n, 10), c) for c, n in zip(clean, noisy)) / len(noisy)
    np.testing.assert_allclose(out["G"], expected_g, rtol=1e-6, atol=1e-6 * expected_g.max())
    np.testing.assert_allclose(out["R"], expected_r, rtol=1e-6, atol=1e-6 * expected_r.max())


def test_configure_changes_the_normalisation_and_rejects_unknown_settings():
    from oodnic_spectral.metric import CLIC_MEAN, CLIC_STD

    kodak = SpectralMetric("p", "paper", size=SIZE)
    clic = kodak.configure(mean=CLIC_MEAN, std=CLIC_STD)
    sample = code(SinusoidCodec(3, 4, amplitude=60.0), np.full((*SIZE, 3), 128, dtype=np.uint8))
    assert clic.std == CLIC_STD and clic.mode == "paper"
    assert not np.allclose(run_group(kodak, [sample])["D"], run_group(clic, [sample])["D"])
    with pytest.raises(ValueError, match="no setting"):
        kodak.configure(gamma=2)
    with pytest.raises(ValueError, match="mode"):
        kodak.configure(mode="amplitude")
