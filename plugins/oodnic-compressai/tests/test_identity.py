"""A codec's identity is its weights' contents; a file that is not a checkpoint is refused before any image."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile

import pytest
import torch
import torch._weights_only_unpickler as weights_only

from oodnic_platform import download

from oodnic_compressai import BundledCodec, CheckpointError, UserCodec
from oodnic_compressai.checkfile import ALLOWED_GLOBALS, inspect_checkpoint
from oodnic_compressai.models import ARCHITECTURE_NAMES, ARCHITECTURES


class Payload:
    """A custom object a malicious checkpoint might pickle."""


def save_model(path, seed: int) -> None:
    torch.manual_seed(seed)
    torch.save({"state_dict": ARCHITECTURES["bmshj2018-hyperprior"](8, 8).state_dict()}, path)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_retraining_a_checkpoint_in_place_changes_the_fingerprint(tmp_path):
    path = tmp_path / "ckpt.pt"
    save_model(path, 0)
    codec = UserCodec().configure(arch="bmshj2018-hyperprior", checkpoint=str(path))
    before, identity = codec.fingerprint(), codec.identity()
    assert before == {path.name: sha256(path)}  # content, keyed by file name: the path is provenance
    assert codec.provenance() == {"checkpoint": str(path.resolve())}
    save_model(path, 1)  # retrained to the same path
    assert codec.fingerprint() == {path.name: sha256(path)} != before
    assert codec.identity() != identity  # so bitstreams of the old weights are refused too


def test_template_fingerprint_covers_every_rate_point(tmp_path):
    for quality in (1, 2):
        save_model(tmp_path / f"ckpt-{quality}.pt", quality)
    codec = UserCodec().configure(arch="bmshj2018-hyperprior", checkpoint=str(tmp_path / "ckpt-{quality}.pt"))
    before = codec.fingerprint()
    assert set(before) == {"ckpt-1.pt", "ckpt-2.pt"}
    save_model(tmp_path / "ckpt-2.pt", 7)
    after = codec.fingerprint()
    assert after["ckpt-2.pt"] != before["ckpt-2.pt"] and after["ckpt-1.pt"] == before["ckpt-1.pt"]
    assert codec.fingerprint(qualities=[1]) == {"ckpt-1.pt": after["ckpt-1.pt"]}  # a run of quality 1 keys only it


def test_fingerprint_is_cheap_after_the_first_call(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    save_model(path, 0)
    codec = UserCodec().configure(arch="bmshj2018-hyperprior", checkpoint=str(path))
    calls = []
    original = hashlib.new
    monkeypatch.setattr(hashlib, "new", lambda name, *args: calls.append(name) or original(name, *args))
    for _ in range(3):
        codec.fingerprint()
    assert len(calls) <= 1


def test_bundled_fingerprint_is_the_sha256_of_its_files():
    codec = BundledCodec()
    assert codec.fingerprint() == {p.name: sha256(p) for p in codec.files()}


def make_bad(kind: str, path) -> None:
    if kind == "text":
        path.write_text("not a checkpoint\n")
    elif kind == "truncated zip":
        save_model(path, 0)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif kind == "pickled objects":
        torch.save({"state_dict": {}, "extra": Payload()}, path)
    elif kind == "foreign zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "hello")
    elif kind == "empty":
        path.write_bytes(b"")


@pytest.mark.parametrize("kind, message", [
    ("text", "not a torch checkpoint"), ("truncated zip", "not a torch checkpoint|damaged|corrupt"),
    ("pickled objects", "refusing checkpoint.*Payload"), ("foreign zip", "no data.pkl"), ("empty", "not a torch"),
])
def test_a_checkpoint_that_is_not_one_is_refused_when_configured(tmp_path, kind, message):
    path = tmp_path / "bad.pt"
    make_bad(kind, path)
    with pytest.raises(CheckpointError, match=message) as info:
        UserCodec().configure(arch="bmshj2018-hyperprior", checkpoint=str(path))
    assert "\n" not in str(info.value) and "bad.pt" in str(info.value)


def test_validation_needs_no_torch(tmp_path):
    good, bad = tmp_path / "good.pt", tmp_path / "bad.pt"
    save_model(good, 0)
    make_bad("pickled objects", bad)
    probe = f"""
import json, sys
from oodnic_compressai import UserCodec
UserCodec().configure(arch="bmshj2018-hyperprior", checkpoint={str(good)!r})
try:
    UserCodec().configure(arch="bmshj2018-hyperprior", checkpoint={str(bad)!r})
    refused = ""
except ValueError as exc:
    refused = str(exc)
print(json.dumps({{"refused": refused, "torch": "torch" in sys.modules}}))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=os.environ)
    result = json.loads(out.stdout.splitlines()[-1])
    assert "refusing checkpoint" in result["refused"] and result["torch"] is False


def test_legacy_format_checkpoints_pass(tmp_path):
    path = tmp_path / "legacy.pth.tar"
    torch.manual_seed(0)
    torch.save(ARCHITECTURES["bmshj2018-hyperprior"](8, 8).state_dict(), path, _use_new_zipfile_serialization=False)
    inspect_checkpoint(path)
    torch.save({"x": Payload()}, tmp_path / "evil.tar", _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="Payload"):
        inspect_checkpoint(tmp_path / "evil.tar")


def test_allowed_globals_are_a_subset_of_torch_weights_only():
    assert ALLOWED_GLOBALS <= set(weights_only._get_allowed_globals())


def test_architecture_names_are_the_loadable_ones():
    assert set(ARCHITECTURE_NAMES) == set(ARCHITECTURES)


def test_user_quality_checks(tmp_path):
    save_model(tmp_path / "ckpt-1.pt", 0)
    fixed = UserCodec().configure(arch="bmshj2018-hyperprior", checkpoint=str(tmp_path / "ckpt-1.pt"))
    fixed.check_quality(1)
    with pytest.raises(ValueError, match="one fixed-rate checkpoint codes one rate"):
        fixed.check_quality(2)
    template = UserCodec().configure(arch="bmshj2018-hyperprior", checkpoint=str(tmp_path / "ckpt-{quality}.pt"))
    template.check_quality(1)
    with pytest.raises(ValueError, match="ckpt-3.pt"):
        template.check_quality(3)
    with pytest.raises(ValueError, match="rate_argument=lmbda"):
        UserCodec().configure(arch="bmshj2018-hyperprior-lambda", checkpoint=str(tmp_path / "ckpt-1.pt"))
