"""The jpeg2000 codec: the conformance kit in both modes, against direct Pillow/OpenJPEG calls, its rate control,
and RD on Kodak. The paper mode's cross-check against ffmpeg itself is in test_jpeg2000_paper.py."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import (
    CodecContract,
    assert_beats_at_bpp,
    assert_ladder_increases,
    assert_round_trip,
    bpp,
    photo,
    registered_codec,
    synthetic_image,
)
from oodnic_jpeg2000 import Jpeg2000Codec

RD_IMAGES = ("kodim04.png", "kodim15.png", "kodim23.png")


class TestContract(CodecContract):
    codec = Jpeg2000Codec()


class TestPaperContract(CodecContract):
    codec = Jpeg2000Codec().configure(mode="paper")
    ladder_image = photo(256, 384)  # at the ladder's low end a 96 x 128 image is all headers


@pytest.fixture
def image() -> np.ndarray:
    return synthetic_image()


def test_round_trip_matches_openjpeg_through_pillow(image):
    data, decoded = assert_round_trip(Jpeg2000Codec(), image, 1.5)
    buffer = io.BytesIO()
    Image.fromarray(image).save(
        buffer, format="JPEG2000", no_jp2=True, quality_mode="rates", quality_layers=[16.0], irreversible=True, mct=1
    )
    assert data == buffer.getvalue()
    assert data[:4] == b"\xff\x4f\xff\x51"  # raw codestream: SOC then SIZ, no JP2 boxes
    expected = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    np.testing.assert_array_equal(decoded, expected)


def test_quality_is_a_rate_target(kodak_dir):
    image = read_image(kodak_dir / "kodim05.png")
    for target in (0.25, 1.0):
        assert bpp(Jpeg2000Codec().encode(image, target), image) == pytest.approx(target, rel=0.02)


def test_modes_record_their_pipeline_and_check_their_own_qualities():
    codec = Jpeg2000Codec()
    assert codec.settings() == {"mode": "bpp"} and "9/7" in codec.recorded_settings()["pipeline"]
    paper = codec.configure(mode="paper")
    assert "5/3" in paper.recorded_settings()["pipeline"] and paper.qualities[0] == 120
    with pytest.raises(ValueError, match="mode must be one of bpp, paper"):
        codec.configure(mode="lossless")
    with pytest.raises(ValueError, match="0 < bpp < 24, not 0"):
        codec.check_quality(0)
    with pytest.raises(ValueError, match="must be an integer, not 12.5"):
        paper.check_quality(12.5)
    assert paper.parse_quality("40") == 40 and codec.parse_quality("0.5") == 0.5
    assert "OpenJPEG" in codec.version() and codec.unavailable_reason() is None


def test_paper_mode_is_openjpeg_at_ffmpegs_parameters_on_ffmpegs_planes():
    """The codestream is OpenJPEG's at libopenjpeg's defaults on the yuv444p planes (decoded without conversion)."""
    from oodnic_jpeg2000 import paper, swscale

    image = photo(96, 128)
    data = Jpeg2000Codec().configure(mode="paper").encode(image, 40)
    planes = swscale.rgb_to_yuv444(image)
    buffer = io.BytesIO()
    Image.fromarray(planes, "RGB").save(buffer, format="JPEG2000", irreversible=False, mct=0, quality_mode="rates",
                                        quality_layers=[80.0], num_resolutions=6, progression="LRCP")
    direct = buffer.getvalue()
    colr = direct.index(b"colr") + 4
    assert direct[colr:colr + 7] == b"\x01\x00\x00\x00\x00\x00\x10"  # enumerated sRGB ...
    assert data == direct[:colr + 6] + b"\x12" + direct[colr + 7:]  # ... declared sYCC, as ffmpeg does; all else equal
    decoded = np.asarray(Image.open(io.BytesIO(paper._codestream(data))))
    np.testing.assert_array_equal(Jpeg2000Codec().configure(mode="paper").decode(data),
                                  swscale.yuv444_to_rgb(decoded))
    assert len(data) * 8 / image[..., 0].size == pytest.approx(12 / 40, rel=0.1)  # bpp ~ 24 / (2 q)


def test_paper_mode_refuses_what_ffmpeg_cannot_code_and_malformed_files():
    paper = Jpeg2000Codec().configure(mode="paper")
    with pytest.raises(ValueError, match="paper mode needs 32 pixels on each side .* got 40x31"):
        paper.encode(synthetic_image(31, 40), 40)
    data = paper.encode(synthetic_image(32, 40), 40)
    assert paper.decode(data).shape == (32, 40, 3)
    for broken, message in ((data[:20], "truncated|overruns"), (b"\x00" * 40, "not a JP2 file"),
                            (data[:data.index(b"jp2c") - 4], "no jp2c box")):
        with pytest.raises(ValueError, match=message):
            paper.decode(broken)


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["jpeg2000"], Jpeg2000Codec)


def test_ladder_increases_bpp_and_psnr_on_kodak(kodak_dir):
    crops = {name: read_image(kodak_dir / name)[128:384, 256:512] for name in ("kodim04.png", "kodim23.png")}
    assert_ladder_increases(Jpeg2000Codec(), crops)


def test_beats_jpeg_at_half_a_bit_per_pixel(kodak_dir):
    images = [read_image(kodak_dir / name) for name in RD_IMAGES]
    assert_beats_at_bpp(Jpeg2000Codec(), registered_codec("jpeg"), images, 0.5, margin_db=1.0)
