"""``CodecContract``: the tests every codec plugin passes, collected by pytest from a three-line subclass."""

from __future__ import annotations

import json
import math
from typing import Any, Sequence

import numpy as np
import pytest

from ..codec import Codec, Quality
from ..contract import check_codec
from ..ratesearch import Scale
from .kit import Contract, assert_refused, assert_registers, assert_settings_recorded
from .rd import bpp, photo, rd_points, synthetic_image


class CodecContract(Contract):
    """Contract tests for a codec: subclass it as ``Test...`` and set ``codec`` (an instance or a list).

    ::

        class TestJpeg(CodecContract):
            codec = JpegCodec()

    Optional class attributes: ``quality`` (used by the single-quality checks;
    default the middle of the ladder), ``ladder_image`` (the image the ladder
    must increase in rate on; default a 96 x 128 :func:`photo`), ``small_sizes``
    (sizes that must be coded or refused with a one-line ``ValueError``),
    ``settings_to_try`` (setting -> another valid value, for settings without
    declared choices or ranges).
    A codec whose ``unavailable_reason()`` is not ``None`` is skipped, saying why.
    """

    subject = "codec"
    codec: Codec | Sequence[Codec] | None = None
    quality: Quality | None = None
    ladder_image: np.ndarray | None = None
    small_sizes: Sequence[tuple[int, int]] = ((1, 1), (2, 3), (7, 9), (45, 67))
    settings_to_try: dict[str, Any] | None = None

    def marks(self, item: Any) -> list:
        reason = item.unavailable_reason() if isinstance(item, Codec) else None
        return [pytest.mark.skip(reason=f"{item.name} is unavailable: {reason}")] if reason else []

    def quality_for(self, codec: Codec) -> Quality:
        if self.quality is not None:
            return self.quality
        return list(codec.qualities)[len(codec.qualities) // 2]

    def test_registration_is_accepted(self, codec: Codec) -> None:
        assert_registers(check_codec, codec, "codec")

    def test_round_trip_keeps_shape_and_dtype(self, codec: Codec) -> None:
        codec.load("cpu")
        image = synthetic_image()
        data = codec.encode(image, self.quality_for(codec))
        assert isinstance(data, bytes) and len(data) > 0, f"{codec.name} wrote an empty or non-bytes bitstream"
        decoded = codec.decode(data)
        assert isinstance(decoded, np.ndarray) and decoded.dtype == np.uint8 and decoded.shape == image.shape, (
            f"{codec.name} decoded {getattr(decoded, 'dtype', type(decoded))} {getattr(decoded, 'shape', '')}, "
            f"expected uint8 {image.shape}"
        )
        if codec.accepts_float:
            floats = codec.decode(codec.encode(image.astype(np.float32) + np.float32(0.25), self.quality_for(codec)))
            assert floats.shape == image.shape and floats.dtype == np.uint8, f"{codec.name}: float input round trip"

    def test_encode_and_decode_are_deterministic(self, codec: Codec) -> None:
        codec.load("cpu")
        image, quality = synthetic_image(), self.quality_for(codec)
        first, second = codec.encode(image, quality), codec.encode(image.copy(), quality)
        assert first == second, f"{codec.name} wrote different bytes for the same image and quality"
        np.testing.assert_array_equal(codec.decode(first), codec.decode(first), err_msg=f"{codec.name} decode")

    def test_odd_and_small_images_are_coded_or_refused(self, codec: Codec) -> None:
        codec.load("cpu")
        for height, width in self.small_sizes:
            image = synthetic_image(height, width)
            what = f"{codec.name} on a {width}x{height} image"
            try:
                data = codec.encode(image, self.quality_for(codec))
            except ValueError as exc:
                assert str(exc).strip() and "\n" not in str(exc), f"{what}: the ValueError is not one line: {exc!r}"
                continue
            except Exception as exc:
                raise AssertionError(f"{what}: raised {type(exc).__name__} ({exc}); code it or refuse it "
                                     f"with a one-line ValueError") from exc
            decoded = codec.decode(data)
            assert decoded.shape == image.shape and decoded.dtype == np.uint8, (
                f"{what}: decoded {decoded.dtype} {decoded.shape}"
            )

    def test_bad_input_is_refused_with_one_line(self, codec: Codec) -> None:
        codec.load("cpu")
        image, quality = synthetic_image(), self.quality_for(codec)
        bad = {
            "an HxW image": image[..., 0],
            "an HxWx4 image": np.concatenate([image, image[..., :1]], axis=2),
            "an int16 image": image.astype(np.int16),
            "an empty image": image[:0],
        }
        if not codec.accepts_float:
            bad["a float32 image"] = image.astype(np.float32)
        for what, array in bad.items():
            assert_refused(lambda: codec.encode(array, quality), f"{codec.name}.encode({what})")

    def test_ladder_increases_in_rate(self, codec: Codec) -> None:
        codec.load("cpu")
        points = rd_points(codec, photo() if self.ladder_image is None else self.ladder_image)
        table = {q: (round(r, 4), round(d, 2)) for q, (r, d) in zip(codec.qualities, points)}
        rates, quality_db = np.array(points).T
        assert np.all(np.diff(rates) > 0), f"{codec.name}: bpp does not strictly increase along the ladder: {table}"
        assert np.all(np.diff(quality_db) >= 0), f"{codec.name}: PSNR decreases along the ladder: {table}"

    def test_rate_declaration_holds_when_coding(self, codec: Codec) -> None:
        """The declared quality scale (``quality_scale``, ``rate_rises``, ``rate_range``) against real coding."""
        scale = Scale.of(codec)
        codec.load("cpu")
        image = photo() if self.ladder_image is None else self.ladder_image
        rate = lambda quality: bpp(codec.encode(image, quality), image)  # noqa: E731
        least, most = scale.ends
        assert least == most or rate(least) < rate(most), (f"{codec.name}: rate_rises={scale.rises}, yet quality {least} codes "
                                          f"{rate(least):.4f} bpp and {most} {rate(most):.4f}")
        if scale.kind == "continuous":
            a, b = scale.ladder[0], scale.ladder[1]
            between = a + (b - a) * 0.37
            codec.check_quality(between)
            low, high = sorted((rate(a), rate(b)))
            assert low <= rate(between) <= high, (f"{codec.name}: a continuous quality {between} codes "
                                                  f"{rate(between):.4f} bpp, outside its neighbours' {low:.4f}-{high:.4f}")
        elif scale.kind == "integer":
            fraction = scale.ladder[0] + 0.5
            assert_refused(lambda: codec.check_quality(fraction), f"{codec.name} (integer scale).check_quality({fraction})")

    def test_quality_range_is_enforced(self, codec: Codec) -> None:
        for quality in codec.qualities:
            codec.check_quality(quality)
        for bad in (math.nan, math.inf, True, "5"):
            assert_refused(lambda: codec.check_quality(bad), f"{codec.name}.check_quality({bad!r})")
        if codec.quality_range is None:
            pytest.skip(f"{codec.name} declares no quality_range")
        low, high = codec.quality_range
        span = max(1, high - low)
        for bad in (low - span, high + span):
            assert_refused(lambda: codec.check_quality(bad), f"{codec.name}.check_quality({bad})")

    def test_settings_are_recorded(self, codec: Codec) -> None:
        assert_settings_recorded(codec, self.settings_to_try)

    def test_fingerprint_is_stable(self, codec: Codec) -> None:
        first = codec.fingerprint()
        assert isinstance(first, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in first.items()), (
            f"{codec.name}: fingerprint() must be a dict of strings, got {first!r}"
        )
        json.dumps(first)
        assert codec.fingerprint() == first, f"{codec.name}: fingerprint() changed between two calls"

    def test_batch_equals_one_by_one(self, codec: Codec) -> None:
        codec.load("cpu")
        images = [synthetic_image(seed=seed) for seed in (1, 2, 3)]
        quality = self.quality_for(codec)
        batch = codec.encode_batch(images, quality)
        single = [codec.encode(image, quality) for image in images]
        errors = [item for item in batch if isinstance(item, Exception)]
        assert not errors, f"{codec.name}.encode_batch failed: {errors[0]!r}"
        assert list(batch) == single, f"{codec.name}: encode_batch differs from encode, image by image"
        decoded = codec.decode_batch(single)
        assert len(decoded) == len(single), f"{codec.name}: decode_batch returned {len(decoded)} items for 3"
        for data, image in zip(single, decoded):
            assert not isinstance(image, Exception), f"{codec.name}.decode_batch failed: {image!r}"
            np.testing.assert_array_equal(image, codec.decode(data), err_msg=f"{codec.name}: decode_batch")
