"""Listing the codecs (``oodnic plugins``) never imports torch or CompressAI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
from oodnic_platform import get_registry
codecs = {n: c for n, c in get_registry().codecs.items() if type(c).__module__.startswith("oodnic_compressai")}
seen = {n: [c.unavailable_reason(), c.version(), c.settings(), list(c.qualities)] for n, c in codecs.items()}
bundled = {n: c.fingerprint() for n, c in codecs.items() if n.startswith("oodnic-tiny") and not c.unavailable_reason()}
print(json.dumps({"codecs": sorted(seen), "bundled": sorted(bundled),
                  "loaded": sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "compressai"))}))
"""


def run_probe(tmp_path, **env: str) -> dict:
    environ = {**os.environ, "OODNIC_PLUGINS": "compressai", "TORCH_HOME": str(tmp_path), **env}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=environ, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_registry_and_every_codec_listing_skip_torch(tmp_path):
    result = run_probe(tmp_path)
    assert {"bmshj2018-hyperprior", "cheng2020-attn", "mbt2018-vbr", "compressai-user", "oodnic-tiny",
            "oodnic-tiny-vr", "oodnic-tiny-vr-p95", "oodnic-hp", "oodnic-hp-wide", "oodnic-tiny-p95"} <= set(result["codecs"])
    assert result["bundled"] and result["loaded"] == []


def test_offline_listing_skips_torch_too(tmp_path):
    assert run_probe(tmp_path, OODNIC_OFFLINE="1")["loaded"] == []
