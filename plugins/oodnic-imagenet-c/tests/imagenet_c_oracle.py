"""The reference: bethgelab's ``imagecorruptions`` 1.1.2, shimmed for current libraries.

Test- and bench-only. The shims stay here, never in the plugin:

* ``pkg_resources`` (gone with recent setuptools) -> a stand-in ``resource_filename``;
* ``np.float_`` (gone in NumPy 2) -> ``np.float64`` seen through the oracle module only;
* scikit-image's ``gaussian(..., multichannel=True)`` -> ``channel_axis=-1``;
* ``scipy.ndimage.interpolation`` (removed in SciPy 2) -> ``scipy.ndimage``;
* ``skimage.util.random_noise`` (unseeded since scikit-image 0.19) -> seeded from the
  global ``np.random`` stream, so ``np.random.seed`` fixes every oracle output.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
import warnings

import numpy as np
import scipy.ndimage
import skimage.filters
import skimage.util


def _pkg_resources() -> types.ModuleType:
    module = types.ModuleType("pkg_resources")

    def resource_filename(package: str, path: str) -> str:
        return os.path.join(os.path.dirname(sys.modules[package].__file__), path)

    module.resource_filename = resource_filename
    return module


class _NumpyWithFloat(types.ModuleType):
    """NumPy as the oracle module sees it, with ``float_`` restored."""

    float_ = np.float64

    def __getattr__(self, name: str):
        return getattr(np, name)


def _gaussian(image, sigma=1, *args, multichannel=None, **kwargs):
    if multichannel:
        kwargs["channel_axis"] = -1
    return skimage.filters.gaussian(image, sigma, *args, **kwargs)


def _random_noise(image, mode="gaussian", **kwargs):
    kwargs.setdefault("rng", np.random.default_rng(np.random.randint(2**31)))
    return skimage.util.random_noise(image, mode=mode, **kwargs)


def _import_oracle() -> types.ModuleType:
    shimmed: list[str] = []
    if importlib.util.find_spec("pkg_resources") is None:
        sys.modules["pkg_resources"] = _pkg_resources()
        shimmed.append("pkg_resources")
    try:
        importlib.import_module("scipy.ndimage.interpolation")
    except ImportError:
        sys.modules["scipy.ndimage.interpolation"] = scipy.ndimage
        shimmed.append("scipy.ndimage.interpolation")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            package = importlib.import_module("imagecorruptions")
    finally:
        for name in shimmed:
            del sys.modules[name]
    module = sys.modules["imagecorruptions.corruptions"]
    module.np = _NumpyWithFloat("numpy")
    module.gaussian = _gaussian
    module.sk = types.SimpleNamespace(
        util=types.SimpleNamespace(random_noise=_random_noise), color=importlib.import_module("skimage.color")
    )
    return package


imagecorruptions = _import_oracle()
functions = sys.modules["imagecorruptions.corruptions"]


def corrupt(image: np.ndarray, name: str, severity: int, seed: int) -> np.ndarray:
    """The oracle's output for ``name`` at ``severity``, with the global stream seeded by ``seed``."""
    np.random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return imagecorruptions.corrupt(image, severity=severity, corruption_name=name)


def field(corruption, image: np.ndarray, severity: int, seed: int):
    """The random field the oracle draws for ``corruption`` after ``np.random.seed(seed)``.

    Shaped as the plugin's ``draw`` returns it, so ``corruption.render(image,
    param, field(...))`` must reproduce ``corrupt(image, name, severity, seed)``.
    """
    param = corruption.param(severity)
    stream = np.random.RandomState(seed)  # the same stream as the seeded global one
    height, width = image.shape[:2]
    name = corruption.name
    if name == "gaussian_noise":
        return stream.standard_normal(image.shape).astype(np.float32)
    if name == "shot_noise":
        return stream.poisson(image / 255.0 * param)
    if name == "impulse_noise":
        rng = np.random.default_rng(stream.randint(2**31))  # as the random_noise shim seeds it
        flipped = rng.random(image.shape) <= param
        salted = rng.random(image.shape) <= 0.5
        return (flipped & salted).astype(np.int8) - (flipped & ~salted).astype(np.int8)
    if name == "glass_blur":
        _, delta, passes = param
        rows, cols = max(height - 2 * delta, 0), max(width - 2 * delta, 0)
        return stream.randint(-delta, delta, size=(passes, rows, cols, 2))
    if name == "motion_blur":
        return stream.uniform(-45, 45)
    if name == "snow":
        flakes = stream.normal(size=(height, width), loc=param[0], scale=param[1])
        return flakes, stream.uniform(-135, -45)
    if name == "frost":
        from oodnic_imagenet_c import textures

        index = stream.randint(5)
        frost = textures.fitted(index, (height, width))
        return index, stream.randint(0, frost.shape[0] - height), stream.randint(0, frost.shape[1] - width)
    if name == "fog":
        from oodnic_imagenet_c.plasma import next_power_of_2, plasma_fractal

        return plasma_fractal(next_power_of_2(max(image.shape)), param[1], stream)
    if name == "elastic_transform":
        limit = height * 0.005
        return stream.uniform(-limit, limit, size=(height, width)), stream.uniform(-limit, limit, size=(height, width))
    return None
