"""Datasets: folder order, the offline sample set, Kodak from a local copy or a verified download, safe zips."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
import zipfile

import numpy as np
import pytest

from oodnic_platform.dataset import DatasetError, FolderDataset
from oodnic_platform.default_plugins import datasets
from oodnic_platform.download import download, safe_extract_zip


def test_sample_dataset_is_offline_and_stable():
    refs = datasets.SampleDataset().images()
    assert [r.name for r in refs] == ["astronaut.png", "chelsea.png", "coffee.png"]
    again = datasets.SampleDataset().images()
    assert [r.sha256 for r in refs] == [r.sha256 for r in again]
    assert refs[0].load().shape == (256, 256, 3) and refs[0].load().dtype == np.uint8


def test_folder_dataset_sorts_by_relative_path(tmp_path):
    from PIL import Image

    for name in ("b.png", "a/z.png", "a/c.png"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (4, 4)).save(tmp_path / name)
    assert [r.name for r in FolderDataset(tmp_path).images()] == ["a/c.png", "a/z.png", "b.png"]


def test_kodak_from_a_local_copy_is_verified(kodak_dir):
    refs = datasets.KodakDataset(path=str(kodak_dir)).images()
    assert len(refs) == 24 and refs[0].name == "kodim01.png"
    assert all(r.sha256 == datasets.KODAK_SHA256[r.name] for r in refs)


@pytest.fixture
def http_server(tmp_path):
    """A loopback HTTP server over a folder: the real download code against a local copy."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_kodak_download_verifies_sha256(kodak_dir, http_server, tmp_path, monkeypatch):
    root, base = http_server
    for name in datasets.KODAK_SHA256:
        (root / name).write_bytes((kodak_dir / name).read_bytes())
    monkeypatch.setattr(datasets, "KODAK_URL", base + "/{name}")
    monkeypatch.setenv("OODNIC_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("OODNIC_KODAK_DIR", raising=False)
    refs = datasets.KodakDataset().images()
    assert len(refs) == 24 and (tmp_path / "cache" / "kodak" / "kodim24.png").is_file()


def test_download_refuses_a_wrong_checksum_and_leaves_nothing(http_server, tmp_path):
    root, base = http_server
    (root / "f.bin").write_bytes(b"tampered")
    dest = tmp_path / "dl" / "f.bin"
    with pytest.raises(DatasetError, match="sha256 mismatch"):
        download(f"{base}/f.bin", dest, hashlib.sha256(b"original").hexdigest())
    assert not dest.exists() and list(dest.parent.iterdir()) == []
    assert download(f"{base}/f.bin", dest, hashlib.sha256(b"tampered").hexdigest()) == dest


def test_safe_extract_drops_macosx_and_refuses_traversal(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("valid/img.png", b"x")
        zf.writestr("__MACOSX/valid/._img.png", b"junk")
    written = safe_extract_zip(good, tmp_path / "out")
    assert [p.relative_to(tmp_path / "out").as_posix() for p in written] == ["valid/img.png"]
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../escape.txt", b"x")
    with pytest.raises(DatasetError, match="unsafe entry"):
        safe_extract_zip(evil, tmp_path / "out2")
    assert not (tmp_path / "escape.txt").exists()


def test_clic_local_archive_must_match_its_md5(tmp_path):
    (tmp_path / "professional_valid_2020.zip").write_bytes(b"not the real archive")
    with pytest.raises(DatasetError, match="md5"):
        datasets.Clic2020Dataset(path=str(tmp_path)).images()


def test_a_local_kodak_copy_is_the_one_pinned_by_hash(kodak_dir):
    refs = datasets.KodakDataset(path=str(kodak_dir)).images()
    assert {ref.name: ref.sha256 for ref in refs} == datasets.KODAK_SHA256
