"""Zoo weights: downloaded on first use from a (local) server, verified as torch.hub does, atomic, offline mode."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.hub

from oodnic_platform.download import DownloadError

from oodnic_compressai import ZooCodec, hub, zoo_table
from oodnic_compressai.models import ARCHITECTURES

ARCH = "bmshj2018-hyperprior"


def real_checkpoint(path: Path, seed: int) -> bytes:
    """torch.save of a small real hyperprior's state dict, as the zoo's files are."""
    torch.manual_seed(seed)
    model = ARCHITECTURES[ARCH](16, 24)
    model.update(force=True)
    torch.save(model.state_dict(), path)
    return path.read_bytes()


def zoo_name(data: bytes, quality: int) -> str:
    return f"{ARCH}-{quality}-{hashlib.sha256(data).hexdigest()[:8]}.pth.tar"


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A loopback server over www/, the zoo table pointing at files made there, $TORCH_HOME in tmp_path."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    names = []
    for quality in range(1, 9):
        data = real_checkpoint(root / "tmp.bin", quality)
        names.append(zoo_name(data, quality))
        (root / "tmp.bin").rename(root / names[-1])
    monkeypatch.setitem(zoo_table.FIXED_RATE, ARCH, {"mse": tuple(names), "ms-ssim": tuple(names)})
    monkeypatch.setenv(hub.URL_ENV, f"http://127.0.0.1:{httpd.server_address[1]}/")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    monkeypatch.delenv("OODNIC_OFFLINE", raising=False)
    yield root, names, tmp_path / "torch-home" / "hub" / "checkpoints"
    httpd.shutdown()


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, (40, 72, 3), dtype=np.uint8)


def test_missing_weights_are_downloaded_verified_and_code(server, image):
    root, names, folder = server
    codec = ZooCodec(ARCH)
    assert codec.unavailable_reason() is None  # missing, but fetched on first use
    recon = codec.decode(codec.encode(image, 3))
    assert recon.shape == image.shape
    assert sorted(p.name for p in folder.iterdir()) == [names[2]]  # just that file, no temporary left
    assert (folder / names[2]).read_bytes() == (root / names[2]).read_bytes()


@pytest.mark.parametrize("damage, message", [("truncate", "mismatch"), ("replace", "mismatch")])
def test_truncated_or_wrong_file_is_one_line_and_leaves_nothing(server, image, damage, message):
    root, names, folder = server
    served = root / names[0]
    data = served.read_bytes()
    served.write_bytes(data[: len(data) // 2] if damage == "truncate" else real_checkpoint(root / "x.bin", 99))
    with pytest.raises(DownloadError, match=message) as info:
        ZooCodec(ARCH).encode(image, 1)
    assert "\n" not in str(info.value) and names[0] in str(info.value)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_offline_says_which_file_to_place_where(server, image, monkeypatch):
    _, names, folder = server
    monkeypatch.setenv("OODNIC_OFFLINE", "1")
    codec = ZooCodec(ARCH)
    reason = codec.unavailable_reason()
    assert reason is not None and "\n" not in reason and "OODNIC_OFFLINE=1" in reason
    assert names[0] in reason and str(folder) in reason and hub.base_url() in reason
    with pytest.raises(DownloadError, match=names[1]) as info:
        codec.encode(image, 2)
    assert hub.zoo_url(ARCH, "mse", 2) in str(info.value) and str(folder) in str(info.value)


def test_a_placed_file_is_used_offline(server, image, monkeypatch):
    root, names, folder = server
    monkeypatch.setenv("OODNIC_OFFLINE", "1")
    folder.mkdir(parents=True)
    (folder / names[1]).write_bytes((root / names[1]).read_bytes())
    assert ZooCodec(ARCH).decode(ZooCodec(ARCH).encode(image, 2)).shape == image.shape


def test_a_zoo_codec_joins_the_default_selection_only_once_its_weights_are_here(server):
    """A plain `oodnic run` (every codec whose `default` is true) never starts a download: the offline main job."""
    root, names, folder = server
    assert ZooCodec(ARCH).default is False
    folder.mkdir(parents=True)
    for name in names[:-1]:
        (folder / name).write_bytes((root / name).read_bytes())
    assert ZooCodec(ARCH).default is False  # one quality's file still missing
    (folder / names[-1]).write_bytes((root / names[-1]).read_bytes())
    assert ZooCodec(ARCH).default is True


def test_fingerprint_is_the_full_sha256_of_every_file_fetched_first(server):
    root, names, folder = server
    fingerprint = ZooCodec(ARCH).fingerprint()
    assert fingerprint == {n: hashlib.sha256((root / n).read_bytes()).hexdigest() for n in names}
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


@pytest.mark.parametrize("env", [{}, {"TORCH_HOME": "/tmp/th"}, {"XDG_CACHE_HOME": "/tmp/xdg"},
                                 {"TORCH_HOME": "~/th", "XDG_CACHE_HOME": "/tmp/xdg"}])
def test_hub_folder_is_torch_hubs(monkeypatch, env):
    for key in ("TORCH_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert hub.hub_dir() == Path(torch.hub.get_dir())


def test_table_equals_compressai_zoo_and_every_file_carries_a_hash_prefix():
    from compressai.zoo import image as zoo_image
    from compressai.zoo import image_vbr as zoo_vbr

    assert zoo_image.root_url == zoo_vbr.root_url == zoo_table.ROOT_URL
    expected = {arch: {m: tuple(urls[q].rsplit("/", 1)[1] for q in sorted(urls)) for m, urls in metrics.items()}
                for arch, metrics in zoo_image.model_urls.items() if arch in zoo_table.FIXED_RATE}
    assert expected == zoo_table.FIXED_RATE
    assert {a: {m: u.rsplit("/", 1)[1] for m, u in ms.items()} for a, ms in zoo_vbr.model_urls.items()} == zoo_table.VARIABLE_RATE
    names = [n for ms in zoo_table.FIXED_RATE.values() for files in ms.values() for n in files]
    names += [n for ms in zoo_table.VARIABLE_RATE.values() for n in ms.values()]
    for name in names:
        match = torch.hub.HASH_REGEX.search(name)
        assert match and len(match.group(1)) == 8, name

