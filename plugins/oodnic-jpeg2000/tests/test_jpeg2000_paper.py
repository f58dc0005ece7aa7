"""The paper mode against ffmpeg itself, run exactly as the paper's code runs it (skipped where ffmpeg is absent).

ood_nic's ``models/codecs.py``: ``ffmpeg -loglevel panic -y -i in.png -vcodec jpeg2000 -pix_fmt yuv444p -c:v
libopenjpeg -compression_level q out.jp2``, then ``ffmpeg -loglevel panic -y -i out.jp2 rec.png``; bpp from the
size of out.jp2.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from oodnic_platform import read_image
from oodnic_platform.testing import photo, synthetic_image
from oodnic_jpeg2000 import Jpeg2000Codec

VERSION_COMMENT = re.compile(rb"Created by OpenJPEG version [0-9.]+")


def ffmpeg_with_libopenjpeg() -> str:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg): the paper mode's cross-check needs it")
    encoders = subprocess.run([ffmpeg, "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    if "libopenjpeg" not in encoders:
        pytest.skip("this ffmpeg has no libopenjpeg encoder")
    return ffmpeg


def paper_ffmpeg(image: np.ndarray, quality: int, folder: Path) -> tuple[bytes, np.ndarray]:
    """The .jp2 file and the reconstruction of the paper's two ffmpeg commands."""
    ffmpeg = ffmpeg_with_libopenjpeg()
    source, coded, rec = folder / "in.png", folder / "out.jp2", folder / "rec.png"
    Image.fromarray(image).save(source)
    for command in (
        ["-i", source, "-vcodec", "jpeg2000", "-pix_fmt", "yuv444p", "-c:v", "libopenjpeg",
         "-compression_level", str(quality), coded],
        ["-i", coded, rec],
    ):
        subprocess.run([ffmpeg, "-loglevel", "panic", "-y", *map(str, command)], check=True, timeout=60)
    return coded.read_bytes(), np.asarray(Image.open(rec).convert("RGB"))


def assert_same_as_ffmpeg(image: np.ndarray, quality: int, folder: Path) -> None:
    codec = Jpeg2000Codec().configure(mode="paper")
    ours = codec.encode(image, quality)
    theirs, reconstruction = paper_ffmpeg(image, quality, folder)
    assert len(ours) == len(theirs)  # the same bpp, to the byte
    # the same file, but for the OpenJPEG version in its comment marker (Pillow's and ffmpeg's may differ)
    assert VERSION_COMMENT.sub(b"", ours) == VERSION_COMMENT.sub(b"", theirs)
    np.testing.assert_array_equal(codec.decode(ours), reconstruction)


@pytest.mark.parametrize("quality", [120, 24, 6])
def test_paper_mode_writes_ffmpegs_file_and_decodes_to_ffmpegs_reconstruction(quality, tmp_path):
    assert_same_as_ffmpeg(photo(256, 384), quality, tmp_path)


def test_paper_mode_matches_ffmpeg_on_an_odd_sized_noisy_image(tmp_path):
    assert_same_as_ffmpeg(synthetic_image(45, 67), 16, tmp_path)


def test_paper_mode_matches_ffmpeg_on_a_portrait_kodak_image(kodak_dir, tmp_path):
    assert_same_as_ffmpeg(read_image(kodak_dir / "kodim04.png"), 40, tmp_path)
