"""The results table's schema: one row per (image, input variant, codec, quality), in one place.

``SCHEMA_VERSION`` is recorded in every store; a store of another version is
refused with one line (see :mod:`oodnic_platform.store`). Metric columns beyond
the built-in ones are added as metrics appear (names per
:mod:`oodnic_platform.contract`).
"""

from __future__ import annotations

SCHEMA_VERSION = 2

#: Column -> SQLite type, in table order.
FIXED_COLUMNS: dict[str, str] = {
    "key": "TEXT PRIMARY KEY",
    # what was coded
    "dataset": "TEXT",
    "image": "TEXT",
    "image_sha256": "TEXT",
    "corruption": "TEXT",
    "severity": "INTEGER",
    "frequency": "TEXT",
    "corruption_version": "TEXT",
    "seed": "INTEGER",
    # how it was coded
    "codec": "TEXT",
    "codec_version": "TEXT",
    "codec_settings": "TEXT",
    "codec_fingerprint": "TEXT",
    "codec_provenance": "TEXT",
    "plugin": "TEXT",
    "quality": "NUMERIC",
    # what happened
    "status": "TEXT",
    "error": "TEXT",
    "traceback": "TEXT",
    "metrics": "TEXT",
    "width": "INTEGER",
    "height": "INTEGER",
    "num_bytes": "INTEGER",
    "bitstream_sha256": "TEXT",
    "encode_s": "REAL",
    "decode_s": "REAL",
    # the built-in metrics
    "bpp": "REAL",
    "psnr": "REAL",
    "ms_ssim": "REAL",
    "psnr_wrt_clean": "REAL",
}
#: Columns that differ between identical runs (wall-clock timings).
TIMING_COLUMNS = ("encode_s", "decode_s")
#: Columns that say what a row is (everything but its outcome).
IDENTITY_COLUMNS = ("key", "dataset", "image", "image_sha256", "corruption", "severity", "frequency",
                    "corruption_version", "seed", "codec", "codec_version", "codec_settings", "codec_fingerprint",
                    "codec_provenance", "plugin", "quality")
CLEAN = "clean"
