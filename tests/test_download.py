"""download(): verify-by-prefix as torch.hub does, short reads, offline mode, progress, cached digests."""

from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

from oodnic_platform import download as dl
from oodnic_platform import files
from oodnic_platform.dataset import DatasetError
from oodnic_platform.download import DownloadError, cached_digest, download, hash_prefix

BODY = b"weights " * 5000


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``BODY`` at /good, and at /short announces all of it but sends half, then hangs up."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path not in ("/good", "/short"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY if self.path == "/good" else BODY[: len(BODY) // 2])
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_hash_prefix_follows_torch_hub():
    assert hash_prefix("bmshj2018-hyperprior-1-7eb97409.pth.tar") == "7eb97409"
    assert hash_prefix("cheng2020_attn-mse-6-730501f2.pth.tar") == "730501f2"
    assert hash_prefix("no-prefix_here.bin") is None
    torch_hub = pytest.importorskip("torch.hub")
    for name in ("bmshj2018-factorized-prior-1-446d5c7f.pth.tar", "mbt2018-mse-vbr-f12581a1.pth.tar", "plain.bin"):
        match = torch_hub.HASH_REGEX.search(name)
        assert hash_prefix(name) == (match.group(1) if match else None)


def test_prefix_verified_download_lands_atomically_with_a_progress_bar(server, tmp_path, capfd):
    dest = tmp_path / "ckpt" / "model-1-abcd.pth.tar"
    prefix = hashlib.sha256(BODY).hexdigest()[:8]
    assert download(f"{server}/good", dest, prefix, prefix=True, progress=True) == dest
    assert dest.read_bytes() == BODY and [p.name for p in dest.parent.iterdir()] == [dest.name]
    assert dest.name in capfd.readouterr().err  # tqdm's bar, on stderr


@pytest.mark.parametrize("path, digest, message", [
    ("/short", hashlib.sha256(BODY).hexdigest()[:8], "truncated"),
    ("/good", "deadbeef", "sha256 mismatch"),
    ("/missing", "deadbeef", "HTTP Error 404"),
])
def test_a_bad_download_is_one_line_and_leaves_nothing(server, tmp_path, path, digest, message):
    dest = tmp_path / "ckpt" / "model.bin"
    with pytest.raises(DownloadError, match=message) as info:
        download(f"{server}{path}", dest, digest, prefix=True)
    assert "\n" not in str(info.value) and isinstance(info.value, DatasetError)
    assert list(dest.parent.iterdir()) == []


def test_short_prefixes_are_refused(tmp_path):
    with pytest.raises(DownloadError, match="at least 8"):
        download("http://127.0.0.1:9/x", tmp_path / "x", "abc", prefix=True)


def test_offline_names_the_file_url_and_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("OODNIC_OFFLINE", "1")
    dest = tmp_path / "hub" / "model-1-deadbeef.pth.tar"
    with pytest.raises(DownloadError) as info:
        download("http://127.0.0.1:9/model-1-deadbeef.pth.tar", dest, "deadbeef", prefix=True)
    message = str(info.value)
    assert "OODNIC_OFFLINE=1" in message and dest.name in message and str(dest.parent) in message
    assert "http://127.0.0.1:9/model-1-deadbeef.pth.tar" in message and "\n" not in message
    assert not dest.parent.exists()


def test_a_verified_local_file_is_used_offline(monkeypatch, tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(BODY)
    monkeypatch.setenv("OODNIC_OFFLINE", "1")
    assert download("http://127.0.0.1:9/f.bin", dest, hashlib.sha256(BODY).hexdigest()) == dest


def test_cached_digest_hashes_once_until_the_file_changes(monkeypatch, tmp_path):
    calls = []
    original = files.file_digest
    monkeypatch.setattr(files, "file_digest", lambda path, algorithm: calls.append(path) or original(path, algorithm))
    path = tmp_path / "w.bin"
    path.write_bytes(b"one")
    first = cached_digest(path)
    assert cached_digest(path) == first == hashlib.sha256(b"one").hexdigest() and len(calls) == 1
    path.write_bytes(b"two!")  # rewritten in place: new size and mtime
    assert cached_digest(path) == hashlib.sha256(b"two!").hexdigest() and len(calls) == 2
