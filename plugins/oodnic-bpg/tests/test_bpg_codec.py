"""The bpg codec: subprocess plumbing with stand-in tools, and the real bpgenc where installed."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time

import numpy as np
import pytest
from PIL import Image

from bpg_fake_tools import write_fake_tools
from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import assert_ladder_increases, assert_round_trip, synthetic_image
from oodnic_bpg import BpgCodec
from oodnic_bpg.tools import find_tool


@pytest.fixture
def image() -> np.ndarray:
    return synthetic_image()


@pytest.fixture
def temp_root(tmp_path, monkeypatch):
    """A private temporary folder, to check the codec leaves nothing behind."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def fake(tmp_path):
    bpgenc, bpgdec, log = write_fake_tools(tmp_path / "tools")
    return BpgCodec().configure(bpgenc=str(bpgenc), bpgdec=str(bpgdec)), log


@pytest.fixture
def real() -> BpgCodec:
    codec = BpgCodec()
    if codec.unavailable_reason():
        pytest.skip(f"real BPG tools absent: {codec.unavailable_reason()}")
    return codec


def test_round_trip_runs_the_tools_with_the_settings_and_cleans_up(fake, image, temp_root):
    codec, log = fake
    codec = codec.configure(subsampling="4:2:0", bit_depth=10, encoder="jctvc", level=5)
    _, decoded = assert_round_trip(codec, image, 33)
    np.testing.assert_array_equal(decoded, image)  # the stand-ins are lossless
    encode_argv, decode_argv = (json.loads(line) for line in log.read_text().splitlines())
    assert encode_argv[0] == codec.bpgenc and decode_argv[0] == codec.bpgdec
    assert encode_argv[1:13] == ["-q", "33", "-f", "420", "-c", "ycbcr", "-b", "10", "-e", "jctvc", "-m", "5"]
    assert encode_argv[-1].endswith(".png") and decode_argv[2].endswith(".ppm")
    assert list(temp_root.iterdir()) == []


def test_a_failing_tool_raises_its_first_error_line_and_cleans_up(fake, image, temp_root, monkeypatch):
    monkeypatch.setenv("FAKE_BPG_FAIL", "1")
    with pytest.raises(RuntimeError, match="bpgenc failed with exit status 2: Could not read input$"):
        fake[0].encode(image, 30)
    assert list(temp_root.iterdir()) == []


def test_a_hanging_tool_is_killed_at_the_timeout_and_cleaned_up(fake, image, temp_root, monkeypatch):
    codec = fake[0].configure()
    codec.timeout_s = 1.0
    monkeypatch.setenv("FAKE_BPG_SLEEP", "30")
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="did not finish within 1 s"):
        codec.encode(image, 30)
    assert time.monotonic() - start < 15
    assert list(temp_root.iterdir()) == []


def test_version_comes_from_the_tools_help(fake):
    assert fake[0].version() == "bpgenc 0.9.8-fake, bpgdec 0.9.8-fake"


def test_missing_tools_make_the_codec_unavailable(tmp_path, monkeypatch, image):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("OODNIC_BPGENC", raising=False)
    monkeypatch.delenv("OODNIC_BPGDEC", raising=False)
    codec = BpgCodec()
    assert codec.unavailable_reason().startswith("bpgenc not found")
    assert codec.version() == "unavailable"
    with pytest.raises(RuntimeError, match="OODNIC_BPGENC"):
        codec.encode(image, 30)


def test_settings_are_recorded_and_checked():
    codec = BpgCodec()
    assert codec.settings()["subsampling"] == "4:4:4" and codec.settings()["bit_depth"] == 8
    for bad in ({"subsampling": "4:2:2"}, {"bit_depth": 12}, {"encoder": "kvazaar"}, {"level": 0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            codec.configure(**bad)


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["bpg"], BpgCodec)


def test_real_round_trip_matches_direct_tool_calls(real, image, tmp_path):
    data, decoded = assert_round_trip(real, image, 30)
    Image.fromarray(image).save(tmp_path / "in.png")
    bpgenc, bpgdec = find_tool("bpgenc"), find_tool("bpgdec")
    subprocess.run(
        [bpgenc, "-q", "30", "-f", "444", "-c", "ycbcr", "-b", "8", "-e", "x265", "-m", "8",
         "-o", str(tmp_path / "out.bpg"), str(tmp_path / "in.png")],
        check=True, capture_output=True,
    )  # fmt: skip
    assert data == (tmp_path / "out.bpg").read_bytes()
    assert data[:4] == b"BPG\xfb"
    subprocess.run([bpgdec, "-o", str(tmp_path / "out.ppm"), str(tmp_path / "out.bpg")], check=True)
    np.testing.assert_array_equal(decoded, np.asarray(Image.open(tmp_path / "out.ppm").convert("RGB")))


def test_real_ladder_increases_bpp_and_psnr_on_kodak(real, kodak_dir):
    crops = {name: read_image(kodak_dir / name)[128:384, 256:512] for name in ("kodim04.png", "kodim23.png")}
    assert_ladder_increases(real, crops)
