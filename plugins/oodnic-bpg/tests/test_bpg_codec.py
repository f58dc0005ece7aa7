"""The bpg codec: subprocess plumbing with stand-in tools, and the real bpgenc where installed."""

from __future__ import annotations

import json
import os
import subprocess
import time

import numpy as np
import pytest
from PIL import Image

from bpg_fake_tools import write_fake_tools
from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import assert_ladder_increases, assert_round_trip, psnr, synthetic_image
from oodnic_bpg import BpgCodec


@pytest.fixture
def image() -> np.ndarray:
    return synthetic_image()


@pytest.fixture
def fake(tmp_path):
    bpgenc, bpgdec, log = write_fake_tools(tmp_path / "tools")
    return BpgCodec().configure(bpgenc=str(bpgenc), bpgdec=str(bpgdec)), log


@pytest.fixture
def real(available) -> BpgCodec:
    return available(BpgCodec())


def test_round_trip_runs_the_tools_with_the_settings_and_cleans_up(fake, image, temp_root):
    codec, log = fake
    codec = codec.configure(subsampling="4:2:0", bit_depth=10, encoder="jctvc", level=5)
    _, decoded = assert_round_trip(codec, synthetic_image(width=57), 33)
    np.testing.assert_array_equal(decoded, synthetic_image(width=57))  # the stand-ins are lossless
    encode_argv, decode_argv = (json.loads(line) for line in log.read_text().splitlines())
    assert encode_argv[0] == codec.bpgenc and decode_argv[0] == codec.bpgdec
    assert encode_argv[1:13] == ["-q", "33", "-f", "420", "-c", "ycbcr", "-b", "10", "-e", "jctvc", "-m", "5"]
    assert encode_argv[-1].endswith(".png") and decode_argv[2].endswith(".ppm")
    assert list(temp_root.iterdir()) == []


def test_a_failing_tool_raises_its_first_error_line_and_cleans_up(fake, image, temp_root, monkeypatch):
    monkeypatch.setenv("FAKE_BPG_FAIL", "1")
    with pytest.raises(RuntimeError, match="^bpgenc failed with exit status 2: Could not read input$"):
        fake[0].encode(image, 30)
    assert list(temp_root.iterdir()) == []


def test_a_tool_that_writes_nothing_is_reported_as_such(fake, image, temp_root, monkeypatch):
    monkeypatch.setenv("FAKE_BPG_NO_OUTPUT", "1")
    with pytest.raises(RuntimeError, match="^bpgenc exited 0 but wrote no output file$"):
        fake[0].encode(image, 30)
    assert list(temp_root.iterdir()) == []


def test_timeout_is_a_setting_and_a_hanging_tool_is_killed(fake, image, temp_root, monkeypatch):
    codec = fake[0].configure(timeout_s="1")
    assert codec.settings()["timeout_s"] == 1.0
    monkeypatch.setenv("FAKE_BPG_SLEEP", "30")
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="^bpgenc did not finish within 1 s and was killed$"):
        codec.encode(image, 30)
    assert time.monotonic() - start < 15
    assert list(temp_root.iterdir()) == []
    with pytest.raises(ValueError, match="timeout_s"):
        codec.configure(timeout_s=0)


def test_images_narrower_than_bpgencs_limit_are_refused_before_running_it(fake):
    codec, log = fake
    with pytest.raises(ValueError, match="^bpg cannot code images narrower than 25 px at 8-bit 444 .* 24 px wide$"):
        codec.encode(synthetic_image(width=24), 30)
    with pytest.raises(ValueError, match="narrower than 57 px at 10-bit 420"):
        codec.configure(bit_depth=10, subsampling="4:2:0").encode(synthetic_image(width=56), 30)
    assert not log.exists()  # bpgenc never ran
    codec.encode(synthetic_image(width=25, height=3), 30)


def test_version_and_fingerprint_identify_both_binaries(fake):
    codec = fake[0]
    assert codec.version() == "bpgenc 0.9.8-fake, bpgdec 0.9.8-fake"
    fingerprint = codec.fingerprint()
    assert sorted(fingerprint) == ["bpgdec", "bpgenc"]
    assert fingerprint["bpgenc"].startswith("sha256:") and codec.provenance()["bpgenc"] == codec.bpgenc
    with open(codec.bpgenc, "a") as f:
        f.write("# rebuilt\n")
    os.utime(codec.bpgenc, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert codec.fingerprint()["bpgenc"] != fingerprint["bpgenc"]
    assert codec.fingerprint()["bpgdec"] == fingerprint["bpgdec"]


def test_missing_tools_make_the_codec_unavailable_with_guidance(tmp_path, monkeypatch, image):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("OODNIC_BPGENC", raising=False)
    monkeypatch.delenv("OODNIC_BPGDEC", raising=False)
    codec = BpgCodec()
    reason = codec.unavailable_reason()
    assert reason.startswith("bpgenc not found (setting, $OODNIC_BPGENC, PATH); build libbpg 0.9.8 without root")
    assert "make USE_BPGVIEW=" in reason and "\n" not in reason
    assert codec.version() == "unavailable" and codec.fingerprint() == {}
    with pytest.raises(RuntimeError, match="OODNIC_BPGENC"):
        codec.encode(image, 30)


def test_a_path_that_is_not_executable_is_named(fake, tmp_path):
    plain = tmp_path / "bpgenc"
    plain.write_text("not a program")
    reason = fake[0].configure(bpgenc=str(plain)).unavailable_reason()
    assert reason == f"permission denied: {plain} is not executable (from setting)"


def test_an_encoder_the_build_lacks_is_reported_once_at_availability(fake, tmp_path):
    bpgenc = tmp_path / "tools" / "bpgenc"
    bpgenc.write_text(bpgenc.read_text().replace("(x265, jctvc, default = x265)", "(x265, default = x265)"))
    codec = fake[0].configure(encoder="jctvc")
    assert codec.unavailable_reason() == f"this bpgenc ({bpgenc}) was built without the jctvc encoder (it has x265)"
    assert fake[0].unavailable_reason() is None


def test_settings_are_recorded_and_checked():
    codec = BpgCodec()
    assert codec.settings()["subsampling"] == "4:4:4" and codec.settings()["bit_depth"] == 8
    assert "pipeline" not in codec.settings() and "bpgenc" in codec.fixed_settings["pipeline"]
    for bad in ({"subsampling": "4:2:2"}, {"bit_depth": 12}, {"encoder": "kvazaar"}, {"level": 0}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            codec.configure(**bad)
    with pytest.raises(ValueError, match="setting pipeline is fixed"):
        codec.configure(pipeline="other")


def test_quality_is_an_integer_qp():
    codec = BpgCodec()
    assert codec.quality_range == (0, 51)
    codec.check_quality(0)
    codec.check_quality(51)
    for bad in (-1, 52, 28.5):
        with pytest.raises(ValueError, match="integer 0-51"):
            codec.check_quality(bad)


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["bpg"], BpgCodec)


def test_real_round_trip_matches_direct_tool_calls(real, image, tmp_path):
    data, decoded = assert_round_trip(real, image, 30)
    Image.fromarray(image).save(tmp_path / "in.png")
    bpgenc, bpgdec = real.tool("bpgenc"), real.tool("bpgdec")
    subprocess.run(
        [bpgenc, "-q", "30", "-f", "444", "-c", "ycbcr", "-b", "8", "-e", "x265", "-m", "8",
         "-o", str(tmp_path / "out.bpg"), str(tmp_path / "in.png")],
        check=True, capture_output=True,
    )  # fmt: skip
    assert data == (tmp_path / "out.bpg").read_bytes()
    assert data[:4] == b"BPG\xfb"
    subprocess.run([bpgdec, "-o", str(tmp_path / "out.ppm"), str(tmp_path / "out.bpg")], check=True)
    np.testing.assert_array_equal(decoded, np.asarray(Image.open(tmp_path / "out.ppm").convert("RGB")))


def test_real_reference_figure_kodim01_qp28(real, kodak_dir, tmp_path):
    """The reference: kodim01, QP 28, 4:4:4, 8-bit is 86,075 bytes and RGB PSNR 36.735 dB, as bpgenc itself."""
    image = read_image(kodak_dir / "kodim01.png")
    data = real.encode(image, 28)
    assert len(data) == 86_075
    assert round(psnr(image, real.decode(data)), 3) == 36.735
    subprocess.run([real.tool("bpgenc"), "-q", "28", "-f", "444", "-b", "8", "-o", str(tmp_path / "direct.bpg"),
                    str(kodak_dir / "kodim01.png")], check=True, capture_output=True)  # fmt: skip
    assert data == (tmp_path / "direct.bpg").read_bytes()


@pytest.mark.parametrize(("bit_depth", "subsampling", "limit"), [(8, "4:4:4", 25), (10, "4:2:0", 57)])
def test_real_narrow_image_limit_is_where_bpgenc_crashes(real, tmp_path, bit_depth, subsampling, limit):
    codec = real.configure(bit_depth=bit_depth, subsampling=subsampling)
    Image.fromarray(synthetic_image(height=16, width=limit - 1)).save(tmp_path / "narrow.png")
    crash = subprocess.run(
        [real.tool("bpgenc"), "-b", str(bit_depth), "-f", subsampling.replace(":", ""), "-o", str(tmp_path / "o.bpg"),
         str(tmp_path / "narrow.png")], capture_output=True,
    )  # fmt: skip
    assert crash.returncode < 0, "bpgenc no longer crashes below the limit: update X265_MIN_WIDTH"
    with pytest.raises(ValueError, match=f"narrower than {limit} px"):
        codec.encode(synthetic_image(height=16, width=limit - 1), 30)
    assert_round_trip(codec, synthetic_image(height=16, width=limit), 30)


def test_real_build_without_jctvc_is_unavailable_for_it(real):
    if "jctvc" in real.capabilities()["encoders"]:
        pytest.skip("this bpgenc has jctvc")
    assert "built without the jctvc encoder" in real.configure(encoder="jctvc").unavailable_reason()


def test_real_ladder_increases_bpp_and_psnr_on_kodak(real, kodak_dir):
    crops = {name: read_image(kodak_dir / name)[128:384, 256:512] for name in ("kodim04.png", "kodim23.png")}
    assert_ladder_increases(real, crops)
