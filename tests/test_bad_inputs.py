"""Bad inputs: each gives a clear error row or message and loses nothing else."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from oodnic_testing import oodnic
from oodnic_platform.config import CodecChoice, RunConfig
from oodnic_platform.runner import run
from oodnic_testing import rows_of


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG signature + IHDR declaring width x height, with one tiny IDAT."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


@pytest.fixture
def zoo(tmp_path):
    """A folder of troublesome images; the good ones must still be coded."""
    folder = tmp_path / "zoo"
    folder.mkdir()
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(folder / "ok.png")
    good = folder / "truncated.png"
    Image.fromarray(rgb).save(good)
    good.write_bytes(good.read_bytes()[:200])
    (folder / "empty.png").write_bytes(b"")
    (folder / "text.jpg").write_text("this is not a JPEG\n")
    Image.fromarray(rgb[:, :, 0]).save(folder / "gray.png")
    Image.fromarray(np.dstack([rgb, np.full((64, 80), 128, np.uint8)])).save(folder / "rgba.png")
    Image.fromarray(rgb).convert("P").save(folder / "palette.png")
    Image.fromarray((rgb[:, :, 0].astype(np.uint16) * 257)).save(folder / "sixteen.png")
    Image.fromarray(rgb).convert("CMYK").save(folder / "cmyk.jpg")
    Image.fromarray(rgb[:1, :1]).save(folder / "one.png")
    Image.fromarray(rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)).save(folder / "odd.png")
    (folder / "bomb.png").write_bytes(png_header_only(60000, 60000))
    (folder / "huge.png").write_bytes(png_header_only(20000, 20000))  # 400 Mpx: over the documented 2**28
    (folder / "big.png").write_bytes(png_header_only(12000, 8000))  # 96 Mpx: under it (truncated: no pixels)
    Image.fromarray(rgb).save(folder / "ünïcødé 画像.png")
    Image.fromarray(rgb).save(folder / "-dash.png")
    return folder


def test_each_bad_file_is_an_error_row_and_the_rest_is_coded(fixture_plugins, zoo, tmp_path):
    cfg = RunConfig(dataset=str(zoo), run_dir=str(tmp_path / "run"), corruptions=[], codecs=[CodecChoice("quant", [6])])
    outcome = run(cfg, progress=False)
    rows = {r["image"]: r for r in rows_of(outcome.run_dir)}
    errors = {name: row["error"] for name, row in rows.items() if row["status"] != "ok"}
    assert set(errors) == {"truncated.png", "empty.png", "text.jpg", "bomb.png", "one.png", "huge.png", "big.png"}
    assert errors["one.png"] == "metric mean_abs_error: ValueError: mean_abs_error needs 16x16 pixels, got 1x1"
    assert rows["one.png"]["psnr"] is not None  # a failing metric loses no other value
    assert errors["empty.png"] == "image: ImageError: empty file (0 bytes)"
    assert errors["text.jpg"] == "image: ImageError: not a readable image file"
    assert "decompression bomb" in errors["bomb.png"] and "268435456 (max_pixels)" in errors["bomb.png"]
    assert errors["huge.png"] == ("image: ImageError: image declares 20000x20000 = 400000000 pixels, more than the "
                                  "limit of 268435456 (max_pixels)")
    assert "limit" not in errors["big.png"] and "bomb" not in errors["big.png"]  # one limit, the documented one
    assert "truncated" in errors["truncated.png"].lower() or "decode" in errors["truncated.png"]
    assert all("\n" not in e for e in errors.values())
    for name in ("gray.png", "rgba.png", "palette.png", "sixteen.png", "cmyk.jpg", "odd.png",
                 "ünïcødé 画像.png", "-dash.png", "ok.png"):
        assert rows[name]["status"] == "ok", (name, rows[name]["error"])
    assert rows["odd.png"]["bpp"] == pytest.approx(8 * rows["odd.png"]["num_bytes"] / (37 * 53))
    assert outcome.failed == 7


def test_cli_reports_failed_rows_and_exits_non_zero(zoo, tmp_path):
    result = oodnic("run", "--dataset", str(zoo), "--run-dir", str(tmp_path / "r"), "--corruption", "none",
                    "--codec", "quant", "--quality", "6", "--no-progress")
    assert result.returncode == 1
    assert "7 of 16 rows failed" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "no image files"),
    (lambda p: None, "no such dataset or folder"),
])
def test_empty_or_missing_dataset_is_one_line(tmp_path, make, message):
    target = tmp_path / "data"
    make(target)
    result = oodnic("run", "--dataset", str(target), "--run-dir", str(tmp_path / "r"), "--no-progress")
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
