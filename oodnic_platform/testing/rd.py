"""Helpers for codec tests: a synthetic image and a photograph, RD points, ladder checks, a toy codec."""

from __future__ import annotations

import functools
import zlib
from typing import Iterator, Mapping, Sequence

import numpy as np

from ..codec import Codec, Quality
from ..quality import psnr


def synthetic_image(height: int = 45, width: int = 67, seed: int = 7) -> np.ndarray:
    """A deterministic HxWx3 uint8 image: smooth colour ramps plus seeded Gaussian noise.

    The default size is odd on both sides, to catch codecs that assume even or
    block-aligned dimensions.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 3, y * 5, (x + y) * 2], axis=-1)
    return np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)


@functools.lru_cache(maxsize=4)
def photo(height: int = 96, width: int = 128) -> np.ndarray:
    """A crop of scikit-image's 512 x 512 astronaut (public domain, inside its wheel): a real photograph.

    Noise-like synthetic images make perceptual codecs (WebP, JPEG XL) trade PSNR
    for rate non-monotonically; photographs do not.
    """
    from skimage import data

    if not (0 < height <= 512 and 0 < width <= 512):
        raise ValueError(f"photo() crops a 512 x 512 image, not {height} x {width}")
    top, left = min(64, 512 - height), min(160, 512 - width)
    crop = np.ascontiguousarray(data.astronaut()[top:top + height, left:left + width])
    crop.flags.writeable = False  # shared by every caller (cached)
    return crop


def bpp(data: bytes, image: np.ndarray) -> float:
    """Bits per pixel of the bitstream ``data`` for ``image``."""
    return len(data) * 8 / (image.shape[0] * image.shape[1])


def _rd_iter(codec: Codec, image: np.ndarray, qualities: Sequence[Quality]) -> Iterator[tuple[float, float]]:
    for quality in qualities:
        data = codec.encode(image, quality)
        yield bpp(data, image), psnr(image, codec.decode(data))


def rd_points(codec: Codec, image: np.ndarray, qualities: Sequence[Quality] | None = None) -> list[tuple[float, float]]:
    """``(bpp, PSNR)`` of ``image`` at each quality (default: the codec's ladder), from real bytes."""
    return list(_rd_iter(codec, image, codec.qualities if qualities is None else qualities))


def psnr_at_bpp(codec: Codec, image: np.ndarray, target_bpp: float) -> float:
    """PSNR at ``target_bpp``, interpolated linearly in log(bpp) along the codec's ladder.

    Encodes up the ladder only until the first point at or above the target.
    Raises ``AssertionError`` if no point lies below the target before one
    reaches it (the ladder does not bracket it).
    """
    target = np.log(target_bpp)
    below: tuple[float, float] | None = None
    rates = []
    for rate, quality_db in _rd_iter(codec, image, codec.qualities):
        rates.append(rate)
        if rate == target_bpp:
            return quality_db
        if rate > target_bpp:
            if below is None:
                break
            return float(np.interp(target, [below[0], np.log(rate)], [below[1], quality_db]))
        below = (np.log(rate), quality_db)
    raise AssertionError(f"{codec.name}'s ladder does not bracket {target_bpp} bpp (bpp: {rates})")


def assert_ladder_increases(codec: Codec, images: Mapping[str, np.ndarray] | Sequence[np.ndarray]) -> None:
    """Assert bpp and PSNR both strictly increase along the codec's ladder on every image.

    ``images`` may be named (a mapping) so that a failure says which one.
    """
    named = images.items() if isinstance(images, Mapping) else enumerate(images)
    for label, image in named:
        rates, quality_db = np.array(rd_points(codec, image)).T
        for what, values in (("bpp", rates), ("PSNR", quality_db)):
            assert np.all(np.diff(values) > 0), (
                f"{codec.name}: {what} does not increase along the ladder on image {label}: "
                f"{dict(zip(codec.qualities, np.round(values, 3).tolist()))}"
            )


def assert_round_trip(codec: Codec, image: np.ndarray, quality: Quality) -> tuple[bytes, np.ndarray]:
    """Encode then decode ``image``; assert a non-empty bitstream and an image of the same shape and dtype.

    Returns the bitstream and the reconstruction, for comparison with direct library calls.
    """
    data = codec.encode(image, quality)
    assert isinstance(data, bytes) and len(data) > 0, f"{codec.name} wrote an empty or non-bytes bitstream"
    decoded = codec.decode(data)
    assert decoded.shape == image.shape and decoded.dtype == np.uint8, (
        f"{codec.name} decoded {decoded.dtype} {decoded.shape}, expected uint8 {image.shape}"
    )
    return data, decoded


def assert_beats_at_bpp(
    codec: Codec, reference: Codec, images: Sequence[np.ndarray], target_bpp: float, margin_db: float
) -> None:
    """Assert ``codec``'s mean PSNR at ``target_bpp`` exceeds ``reference``'s by more than ``margin_db``."""
    ours = float(np.mean([psnr_at_bpp(codec, image, target_bpp) for image in images]))
    theirs = float(np.mean([psnr_at_bpp(reference, image, target_bpp) for image in images]))
    assert ours > theirs + margin_db, (
        f"at {target_bpp} bpp {codec.name} gives {ours:.2f} dB, {reference.name} {theirs:.2f} dB: "
        f"expected a lead of more than {margin_db} dB"
    )


def registered_codec(name: str) -> Codec:
    """The registered codec ``name``, or a pytest skip saying it is not installed or not usable.

    Under ``OODNIC_REQUIRE_BINARIES=1`` (CI, which builds the reference binaries) an unusable codec fails instead.
    """
    import os

    import pytest

    from ..plugins import get_registry

    outcome = pytest.fail if os.environ.get("OODNIC_REQUIRE_BINARIES") == "1" else pytest.skip
    codec = get_registry().codecs.get(name)
    if codec is None:
        outcome(f"the {name} codec is not registered: install its plugin")
    reason = codec.unavailable_reason()
    if reason:
        outcome(f"the {name} codec is unavailable: {reason}")
    return codec


def check_rgb(image: np.ndarray, name: str) -> None:
    """Raise a one-line ``ValueError`` unless ``image`` is a non-empty HxWx3 uint8 array."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 \
            or image.size == 0:
        shape, dtype = getattr(image, "shape", "?"), getattr(image, "dtype", type(image).__name__)
        raise ValueError(f"{name} codes non-empty HxWx3 uint8 images, not {dtype} {shape}")


class QuantCodec(Codec):
    """Keeps the top ``quality`` bits of each sample, zlib-compressed: real bytes, deterministic, lossless at 8.

    Bitstream: height and width (little-endian uint32), the shift, then the zlib body.
    Subclass it to rename it or to add test hooks around :meth:`encode`.
    """

    name = "quant"
    qualities = (2, 4, 6)
    quality_range = (1, 8)

    def version(self) -> str:
        return "1.0"

    def encode(self, image: np.ndarray, quality: int) -> bytes:
        check_rgb(image, self.name)
        h, w, _ = image.shape
        shift = 8 - int(quality)
        return np.array([h, w], dtype="<u4").tobytes() + bytes([shift]) + zlib.compress((image >> shift).tobytes(), 6)

    def decode(self, data: bytes) -> np.ndarray:
        h, w = np.frombuffer(data[:8], dtype="<u4")
        shift = data[8]
        arr = np.frombuffer(zlib.decompress(data[9:]), dtype=np.uint8).reshape(int(h), int(w), 3)
        return ((arr.astype(np.uint16) << shift) + ((1 << shift) >> 1)).clip(0, 255).astype(np.uint8)
