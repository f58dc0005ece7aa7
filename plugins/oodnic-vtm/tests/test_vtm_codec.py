"""The vtm codec: plumbing with stand-in tools, the paper's protocol against the real VTM 9.1 where installed."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from oodnic_platform import get_registry, read_image
from oodnic_platform.testing import assert_ladder_increases, synthetic_image
from oodnic_vtm import VtmCodec
from oodnic_vtm import codec as codec_module
from oodnic_vtm.colour import rgb_to_ycbcr_planes, ycbcr_planes_to_rgb
from oodnic_vtm.tools import INTRA_CFG
from vtm_fake_tools import write_fake_tools


@pytest.fixture
def fake(tmp_path):
    encoder, decoder, log = write_fake_tools(tmp_path / "tools")
    return VtmCodec().configure(encoder_app=str(encoder), decoder_app=str(decoder)), log


@pytest.fixture(scope="module")
def real(available) -> VtmCodec:
    return available(VtmCodec())


@pytest.fixture(scope="module")
def kodak_crop(kodak_dir) -> np.ndarray:
    """A 44x62 crop of kodim23: neither side a multiple of 8, so VTM pads and the decoder crops back."""
    return read_image(kodak_dir / "kodim23.png")[200:244, 300:362]


def test_encode_runs_the_papers_command_line_and_cleans_up(fake, temp_root):
    codec, log = fake
    image = synthetic_image(height=8, width=8)
    data = codec.encode(image, 37)
    assert data == (Path(__file__).parent / "data" / "vtm91-8x8.bin").read_bytes()
    argv = json.loads(log.read_text().splitlines()[0])
    assert argv[0] == codec.encoder_app
    assert argv[1 : 1 + len(INTRA_CFG)] == [f"--{k}={v}" for k, v in INTRA_CFG]
    tail = argv[1 + len(INTRA_CFG) :]
    assert tail[:2] == ["-i", tail[1]] and tail[1].endswith(".yuv")
    assert tail[2:4] == ["-q", "37"] and tail[6:] == [
        "-wdt", "8", "-hgt", "8", "-fr", "1", "-f", "1", "--InputChromaFormat=444", "--InputBitDepth=8",
        "--ConformanceWindowMode=1", "-o", tail[-2], "--OutputBitDepth=8",
    ]  # fmt: skip
    assert list(temp_root.iterdir()) == []


def test_decoder_output_must_equal_the_encoders_reconstruction(fake, tmp_path, temp_root, monkeypatch):
    codec, log = fake
    grey = np.full((8, 8, 3), 128, np.uint8)
    data = codec.encode(grey, 37)
    with pytest.raises(RuntimeError, match="^DecoderAppStatic's output differs from EncoderAppStatic's reconstruction"):
        codec.decode(data)  # the fake encoder's reconstruction is grey's planes, the decoder writes 128s
    planes = tmp_path / "planes.yuv"
    rgb_to_ycbcr_planes(grey).tofile(planes)
    monkeypatch.setenv("FAKE_VTM_DECODED", str(planes))
    codec.encode(grey, 37)
    np.testing.assert_array_equal(codec.decode(data), ycbcr_planes_to_rgb(rgb_to_ycbcr_planes(grey)))
    decode_argv = json.loads(log.read_text().splitlines()[-1])
    assert decode_argv[1:3] == ["-b", decode_argv[2]] and decode_argv[3:] == ["-o", decode_argv[4], "-d", "8"]
    assert list(temp_root.iterdir()) == []


def test_a_reconstruction_not_written_is_reported(fake, temp_root, monkeypatch):
    monkeypatch.setenv("FAKE_VTM_NO_RECON", "1")
    with pytest.raises(RuntimeError, match="^EncoderAppStatic exited 0 but wrote no output file$"):
        fake[0].encode(synthetic_image(height=8, width=8), 37)
    assert list(temp_root.iterdir()) == []


def test_version_and_fingerprint_identify_both_binaries(fake):
    codec = fake[0]
    assert codec.version() == "EncoderAppStatic 9.1-fake, DecoderAppStatic 9.1-fake"
    fingerprint = codec.fingerprint()
    assert sorted(fingerprint) == ["DecoderAppStatic", "EncoderAppStatic"]
    assert fingerprint["EncoderAppStatic"].startswith("sha256:") and codec.provenance()["EncoderAppStatic"] == codec.encoder_app


def test_binaries_are_found_in_OODNIC_VTM_DIR(fake, monkeypatch):
    folder = Path(fake[0].encoder_app).parent
    monkeypatch.setenv("OODNIC_VTM_DIR", str(folder))
    codec = VtmCodec()
    assert codec.unavailable_reason() is None
    assert codec.tool("DecoderAppStatic") == str(folder / "DecoderAppStatic")


def test_missing_binaries_make_it_unavailable_with_guidance(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("OODNIC_VTM_DIR", raising=False)
    codec = VtmCodec()
    reason = codec.unavailable_reason()
    assert reason.startswith("EncoderAppStatic not found (setting, $OODNIC_VTM_DIR, PATH); build VTM 9.1")
    assert "build-vtm.sh" in reason and "build-essential cmake" in reason and "\n" not in reason
    assert codec.version() == "unavailable" and codec.fingerprint() == {}
    monkeypatch.setenv("OODNIC_VTM_DIR", str(tmp_path / "nowhere"))
    assert VtmCodec().unavailable_reason().startswith(f"EncoderAppStatic not found: {tmp_path}/nowhere/EncoderAppStatic")


def test_oodnic_plugins_lists_vtm_unavailable_with_the_reason(tmp_path):
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path), "OODNIC_PLUGINS": "vtm"}
    out = subprocess.run(["oodnic", "plugins"], capture_output=True, text=True, env=env, check=True).stdout
    line = next(line for line in out.splitlines() if line.split()[:2] == ["codec", "vtm"])
    assert "unavailable: EncoderAppStatic not found" in line and "build-vtm.sh" in line


def test_settings_quality_and_fixed_facts():
    codec = VtmCodec()
    assert codec.settings() == {"encoder_app": "", "decoder_app": "", "timeout_s": 3600.0}
    assert codec.quality_range == (0, 63) and list(codec.qualities) == sorted(codec.qualities, reverse=True)
    assert "BT.709" in codec.fixed_settings["pipeline"] and "encoder_intra_vtm.cfg" in codec.fixed_settings["config"]
    for bad in (-1, 64, 30.5):
        with pytest.raises(ValueError, match="integer 0-63"):
            codec.check_quality(bad)
    with pytest.raises(ValueError, match="timeout_s"):
        codec.configure(timeout_s=0)


def test_registered_through_the_entry_point():
    assert isinstance(get_registry().codecs["vtm"], VtmCodec)


def test_real_bitstream_is_the_papers_and_decodes_to_its_reconstruction(real, kodak_crop, tmp_path):
    """Same bytes as ood_nic's call (``-c encoder_intra_vtm.cfg``, ``-o /dev/null``), same decoded RGB."""
    cfg = Path(real.tool("EncoderAppStatic")).parent / "cfg" / "encoder_intra_vtm.cfg"
    if not cfg.is_file():
        pytest.skip(f"{cfg} is absent (build-vtm.sh puts cfg/ next to the binaries)")
    data = real.encode(kodak_crop, 32)
    decoded = real.decode(data)
    rgb_to_ycbcr_planes(kodak_crop).tofile(tmp_path / "in.yuv")
    subprocess.run(
        [real.tool("EncoderAppStatic"), "-i", tmp_path / "in.yuv", "-c", cfg, "-q", "32", "-o", "/dev/null",
         "-b", tmp_path / "paper.bin", "-wdt", "62", "-hgt", "44", "-fr", "1", "-f", "1",
         "--InputChromaFormat=444", "--InputBitDepth=8", "--ConformanceWindowMode=1"],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    assert data == (tmp_path / "paper.bin").read_bytes()
    subprocess.run([real.tool("DecoderAppStatic"), "-b", tmp_path / "paper.bin", "-o", tmp_path / "dec.yuv", "-d", "8"],
                   check=True, capture_output=True, cwd=tmp_path)  # fmt: skip
    paper_rgb = ycbcr_planes_to_rgb(np.fromfile(tmp_path / "dec.yuv", np.uint8).reshape(3, 44, 62))
    np.testing.assert_array_equal(decoded, paper_rgb)
    assert decoded.shape == kodak_crop.shape


def test_real_mismatch_between_decoder_and_encoder_is_an_error(real):
    image = synthetic_image(height=8, width=8)
    data = real.encode(image, 40)
    key = next(reversed(codec_module._RECONSTRUCTIONS))
    codec_module._RECONSTRUCTIONS[key] = bytes(len(codec_module._RECONSTRUCTIONS[key]))
    with pytest.raises(RuntimeError, match="differs from EncoderAppStatic's reconstruction"):
        real.decode(data)
    assert real.decode(data).shape == image.shape  # a bitstream not encoded here is decoded unchecked


@pytest.mark.parametrize(("height", "width"), [(1, 1), (3, 130)])
def test_real_any_size_is_padded_and_cropped_back(real, height, width):
    image = synthetic_image(height=height, width=width)
    assert real.decode(real.encode(image, 37)).shape == (height, width, 3)


def test_real_ladder_increases_bpp_and_psnr(real, kodak_dir):
    codec = copy.copy(real)
    codec.qualities = real.qualities[::2]  # every other QP: VTM is slow
    assert_ladder_increases(codec, {"kodim04 32x48": read_image(kodak_dir / "kodim04.png")[300:332, 200:248]})
