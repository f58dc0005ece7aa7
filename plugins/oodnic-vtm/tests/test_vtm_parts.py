"""The paper's colour conversion, the SPS reader and the command lines: no VTM needed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from oodnic_platform.testing import synthetic_image
from oodnic_vtm.bitstream import picture_size
from oodnic_vtm.colour import rgb_to_ycbcr_planes, ycbcr_planes_to_rgb
from oodnic_vtm.tools import decode_args, parse_version

DATA = Path(__file__).parent / "data"


def many_colours() -> np.ndarray:
    """Every grey and every 8-bit corner colour, then 2**20 seeded random colours, as a 1024-wide image."""
    greys = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    corners = np.array([[r, g, b] for r in (0, 255) for g in (0, 255) for b in (0, 255)], np.uint8)
    rest = np.random.default_rng(0).integers(0, 256, (2**20 - 264, 3), dtype=np.uint8)
    return np.concatenate([greys, corners, rest]).reshape(1024, 1024, 3)


def test_colour_conversion_is_compressais_bit_for_bit():
    """ood_nic: rgb2ycbcr on float32 / 255, clip, * 255, astype(uint8); the inverse likewise with ycbcr2rgb."""
    torch = pytest.importorskip("torch")
    functional = pytest.importorskip("compressai.transforms.functional")
    for image in (many_colours(), synthetic_image()):
        planes = image.transpose(2, 0, 1)
        ycbcr = functional.rgb2ycbcr(torch.from_numpy(planes.copy()).float() / 255).numpy()
        paper = (np.clip(ycbcr, 0, 1) * 255).astype(np.uint8)
        np.testing.assert_array_equal(rgb_to_ycbcr_planes(image), paper)
        rgb = functional.ycbcr2rgb(torch.from_numpy(paper.astype(np.float32) / 255)).numpy()
        back = (rgb.clip(0, 1).transpose(1, 2, 0) * 255.0).astype(np.uint8)
        np.testing.assert_array_equal(ycbcr_planes_to_rgb(paper), back)


def test_colour_conversion_truncates_as_the_paper_does():
    black_blue = np.array([[[0, 0, 0], [0, 0, 255]]], np.uint8)
    planes = rgb_to_ycbcr_planes(black_blue)  # black: Cb = Cr = 127.5; blue: Y 18.41, Cr 115.81 (rounding: 128, 116)
    assert planes[:, 0, 0].tolist() == [0, 127, 127] and planes[:, 0, 1].tolist() == [18, 255, 115]
    assert ycbcr_planes_to_rgb(planes)[0].tolist() == [[0, 0, 0], [0, 0, 254]]


@pytest.mark.parametrize(("name", "size"), [("vtm91-67x45.bin", (67, 45)), ("vtm91-66x70.bin", (66, 70)),
                                            ("vtm91-8x8.bin", (8, 8))])  # fmt: skip
def test_picture_size_from_real_vtm_bitstreams(name, size):
    """Bitstreams written by VTM 9.1 (ConformanceWindowMode=1 pads 67x45 to 72x48 and signals the window)."""
    assert picture_size((DATA / name).read_bytes()) == size


def test_a_bitstream_without_sps_is_refused():
    with pytest.raises(ValueError, match="^not a VVC bitstream: no sequence parameter set$"):
        picture_size(b"\x89PNG\r\n\x1a\n" + bytes(100))
    truncated = (DATA / "vtm91-67x45.bin").read_bytes()
    start = truncated.index(b"\x00\x00\x01\x00\x79")  # the SPS NAL unit (type 15)
    with pytest.raises(ValueError, match="truncated"):
        picture_size(truncated[: start + 8])


def test_decoder_writes_8_bit():
    assert decode_args("dec", Path("a.bin"), Path("o.yuv")) == ["dec", "-b", "a.bin", "-o", "o.yuv", "-d", "8"]


def test_parse_version():
    assert parse_version("\nVVCSoftware: VTM Encoder Version 9.1 [Linux][GCC 12.2.0][64 bit] [SIMD=AVX2]") == "9.1"
    assert parse_version("VVCSoftware: VTM Decoder Version 23.0 [Linux]") == "23.0"
    assert parse_version("command not found") is None
