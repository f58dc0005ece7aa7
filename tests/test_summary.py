"""The run's summary: one line per codec and settings; "lossless" only for infinite PSNR; blank when not measured."""

from __future__ import annotations

import math

from oodnic_platform.cli import summary_table


def row(codec: str, settings: str, psnr: float | None, bpp: float, frequency: str = "clean") -> dict:
    return {"status": "ok", "codec": codec, "codec_settings": settings, "frequency": frequency, "bpp": bpp,
            "psnr": psnr}


def test_one_codec_with_two_settings_gets_two_lines_named_by_what_differs():
    table = summary_table([row("jpeg", '{"subsampling": "4:2:0"}', 30.0, 1.0),
                           row("jpeg", '{"subsampling": "4:4:4"}', 32.0, 2.0),
                           row("webp", '{"method": 4}', 31.0, 1.5)])
    lines = table.splitlines()
    assert lines[2].split() == ["jpeg:subsampling=4:2:0", "30.00", "dB", "1.000"]
    assert lines[3].split() == ["jpeg:subsampling=4:4:4", "32.00", "dB", "2.000"]
    assert lines[4].split() == ["webp", "31.00", "dB", "1.500"]


def test_lossless_only_for_infinite_psnr_and_nothing_for_psnr_not_measured():
    table = summary_table([row("none", "{}", math.inf, 24.0), row("jpeg", "{}", None, 0.5),
                           row("webp", "{}", 33.0, 0.7), row("webp", "{}", math.inf, 8.0)])
    lines = {line.split()[0]: line for line in table.splitlines()[2:-1]}
    assert lines["none"].split() == ["none", "lossless", "24.000"]
    assert lines["jpeg"].split() == ["jpeg", "0.500"]  # PSNR not measured: blank, never "lossless"
    assert lines["webp"].split() == ["webp", "33.00", "dB", "4.350"]  # the lossless row left out of the mean
