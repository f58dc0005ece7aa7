"""What the spectral metrics share: per-image transforms across codecs and qualities, and backends."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from oodnic_spectral import SpectralMetric
from oodnic_spectral.cache import CACHE, CAPACITY
from oodnic_spectral.spectra import NumpyBackend
from spectral_fakes import BlurCodec, SinusoidCodec, code, smooth_image

SIZE = (32, 48)


class CountingBackend(NumpyBackend):
    def __init__(self):
        self.transforms = 0
        self.normalised = 0

    def error_fft(self, recon, ref):
        self.transforms += 1
        return super().error_fft(recon, ref)

    def normalise(self, image, mean, std):
        self.normalised += 1
        return super().normalise(image, mean, std)


def corrupted_samples(image_seeds, sigmas, name="im"):
    """Each image corrupted once, then coded at several 'qualities' (blur sigmas), quality-major like the runner."""
    inputs = {}
    for seed in image_seeds:
        clean = smooth_image(*SIZE, seed=seed)
        inputs[seed] = (clean, code(SinusoidCodec(2, 5, amplitude=20.0), clean).reconstruction)
    return [dataclasses.replace(code(BlurCodec(sigma), clean, given, corruption="test"), image=f"{name}{seed}")
            for sigma in sigmas for seed, (clean, given) in inputs.items()]


@pytest.fixture(autouse=True)
def empty_cache():
    CACHE.clear()
    yield
    CACHE.clear()


def test_image_transforms_are_computed_once_per_image_across_qualities():
    power, paper = SpectralMetric(size=SIZE), SpectralMetric("p", "paper", size=SIZE)
    power.backend = paper.backend = backend = CountingBackend()
    samples = corrupted_samples(range(3), (0.5, 1.0, 1.5, 2.0))
    for sample in samples:
        for metric in (power, paper):
            metric.compute(sample)
            metric.accumulate(sample)
    assert backend.transforms == len(samples) + 3  # F(x^ - x~) per sample, F(x~ - x) per image
    assert backend.normalised == len(samples) + 2 * 3  # x^ per sample, x and x~ per image


def test_results_equal_an_uncached_computation():
    samples = corrupted_samples(range(2), (1.0, 2.0))
    metric = SpectralMetric(size=SIZE)
    cached = [metric.accumulate(s) for s in samples]
    for sample, got in zip(samples, cached):
        CACHE.clear()
        fresh = SpectralMetric(size=SIZE).accumulate(sample)
        for key in ("G", "R"):
            np.testing.assert_allclose(got[key], fresh[key], rtol=1e-12, atol=1e-18)
        direct = SpectralMetric(size=SIZE).accumulate(dataclasses.replace(sample, input=sample.clean,
                                                                          corruption="clean"))
        np.testing.assert_allclose(got["R"], direct["D"], rtol=1e-10, atol=1e-18)


def test_a_reused_key_with_other_pixels_is_recomputed():
    first = corrupted_samples([1], [1.0])[0]
    other = corrupted_samples([2], [1.0], name="im")[0]
    other = dataclasses.replace(other, image=first.image)  # same name, corruption and severity; other pixels
    metric = SpectralMetric(size=SIZE)
    metric.accumulate(first)
    got = SpectralMetric(size=SIZE).accumulate(other)
    CACHE.clear()
    np.testing.assert_array_equal(got["R"], SpectralMetric(size=SIZE).accumulate(other)["R"])


def test_the_cache_holds_at_most_its_capacity():
    metric = SpectralMetric(size=SIZE)
    for sample in corrupted_samples(range(CAPACITY + 5), [1.0]):
        metric.accumulate(sample)
    assert len(CACHE.entries) == CAPACITY


def test_the_cuda_backend_computes_the_same_spectra():
    pytest.importorskip("torch")
    from oodnic_spectral.spectra_torch import TorchBackend

    samples = corrupted_samples(range(2), (1.0,))
    for mode in ("power", "paper"):
        reference = SpectralMetric(mode=mode, size=SIZE)
        on_torch = SpectralMetric(mode=mode, size=SIZE)
        on_torch.backend = TorchBackend("cpu")  # the CUDA code path, run on the CPU
        for sample in samples:
            expected, got = reference.accumulate(sample), on_torch.accumulate(sample)
            for key in ("G", "R"):
                np.testing.assert_allclose(got[key], expected[key], rtol=1e-6, atol=1e-9 * expected[key].max())


def test_metrics_on_cpu_never_import_torch():
    script = (
        "import sys, numpy as np\n"
        "from oodnic_platform import Sample, get_registry\n"
        "metrics = [get_registry().metrics[n] for n in ('spectral', 'spectral_paper')]\n"
        "x = np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)\n"
        "s = Sample(clean=x, input=255 - x, reconstruction=x // 2, num_bytes=1, corruption='c', severity=1)\n"
        "for m in metrics:\n"
        "    m.load('cpu'); m.compute(s); m.finalize(m.accumulate(s))\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
