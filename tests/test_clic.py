"""The clic2020 test split: mobile + professional archives, verified, from a local folder or a loopback download."""

from __future__ import annotations

import hashlib
import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from oodnic_platform.dataset import DatasetError
from oodnic_platform.default_plugins import datasets as clic
from oodnic_platform.dataset import GeometryDataset
from oodnic_platform.images import centre_crop
from test_datasets import http_server  # noqa: F401  (a fixture: a loopback HTTP server over a folder)


def png(height: int, width: int, seed: int) -> bytes:
    """A smooth, small-to-store PNG of ``height`` x ``width``."""
    y, x = np.mgrid[0:height, 0:width]
    image = np.stack([x * 255 // width, y * 255 // height, np.full_like(x, seed * 40)], axis=-1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


#: Each archive's members as the real ones nest them (a top folder), plus macOS junk that must be dropped.
MEMBERS = {
    "mobile": {"mobile/m1.png": png(30, 40, 1), "mobile/m2.png": png(960, 540, 2), "__MACOSX/mobile/._m1.png": b"x"},
    "professional": {"professional/p1.png": png(600, 800, 3)},
}


@pytest.fixture
def archives(tmp_path, monkeypatch):
    """Real zips of PNGs named like the official test archives, with the test split's checksums pinned to them."""
    folder = tmp_path / "archives"
    folder.mkdir()
    pinned = []
    for archive in clic.SPLITS["test"]:
        path = folder / archive.file_name
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in MEMBERS[archive.folder].items():
                zf.writestr(name, data)
        pinned.append(clic.Archive(archive.url_path, "sha256", hashlib.sha256(path.read_bytes()).hexdigest(),
                                   archive.folder))
    monkeypatch.setitem(clic.SPLITS, "test", tuple(pinned))
    monkeypatch.setenv("OODNIC_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(clic.CLIC_ENV, raising=False)
    return folder


EXPECTED = ["mobile/mobile/m1.png", "mobile/mobile/m2.png", "professional/professional/p1.png"]


def test_the_official_test_archives_are_pinned_by_sha256():
    names = [(a.url_path, a.algorithm, a.folder) for a in clic.SPLITS["test"]]
    assert names == [("test/CLIC2020Mobile_test.zip", "sha256", "mobile"),
                     ("test/CLIC2020Professional_test.zip", "sha256", "professional")]
    assert all(len(a.digest) == 64 for a in clic.SPLITS["test"])


def test_test_split_from_local_archives_is_mobile_plus_professional(archives, monkeypatch):
    monkeypatch.setenv(clic.CLIC_ENV, str(archives))
    dataset = clic.Clic2020Dataset(split="test")
    refs = dataset.images()
    assert dataset.name == "clic2020-test"
    assert [r.name for r in refs] == EXPECTED  # the macOS junk entry is not extracted
    assert refs[1].load().shape == (960, 540, 3)


def test_test_split_downloads_both_archives_verified_then_uses_the_cache(archives, http_server, monkeypatch):
    root, base = http_server
    (root / "test").mkdir()
    for archive in archives.iterdir():
        (root / "test" / archive.name).write_bytes(archive.read_bytes())
    monkeypatch.setattr(clic, "CLIC_URL", base + "/{name}")
    assert [r.name for r in clic.Clic2020Dataset(split="test").images()] == EXPECTED
    for archive in archives.iterdir():
        (root / "test" / archive.name).unlink()  # the server no longer has them: the verified cache serves
    assert [r.name for r in clic.Clic2020Dataset(split="test").images()] == EXPECTED


def test_a_tampered_download_is_refused_and_nothing_is_extracted(archives, http_server, monkeypatch, tmp_path):
    root, base = http_server
    (root / "test").mkdir()
    for archive in archives.iterdir():
        (root / "test" / archive.name).write_bytes(archive.read_bytes())
    (root / "test" / "CLIC2020Professional_test.zip").write_bytes(b"PK\x03\x04 not the archive")
    monkeypatch.setattr(clic, "CLIC_URL", base + "/{name}")
    with pytest.raises(DatasetError, match="CLIC2020Professional_test.zip: sha256 mismatch"):
        clic.Clic2020Dataset(split="test").images()
    assert not (tmp_path / "cache" / "clic2020" / "test" / ".complete").exists()
    assert not (tmp_path / "cache" / "clic2020" / "CLIC2020Professional_test.zip").exists()


def test_local_archives_must_all_be_there_and_match(archives):
    (archives / "CLIC2020Mobile_test.zip").unlink()
    with pytest.raises(DatasetError, match="CLIC2020Mobile_test.zip not found .*needs CLIC2020Mobile_test.zip, "
                                           "CLIC2020Professional_test.zip"):
        clic.Clic2020Dataset(split="test", path=str(archives)).images()
    (archives / "CLIC2020Mobile_test.zip").write_bytes(b"not the archive")
    with pytest.raises(DatasetError, match="CLIC2020Mobile_test.zip fails its sha256 check"):
        clic.Clic2020Dataset(split="test", path=str(archives)).images()
    with pytest.raises(DatasetError, match="unknown split 'testing' .*valid, train, test"):
        clic.Clic2020Dataset(split="testing")


def test_paper_geometry_gives_512_by_768_with_portraits_transposed_first(archives):
    refs = GeometryDataset(clic.Clic2020Dataset(split="test", path=str(archives)), "paper").images()
    assert all(ref.load().shape == (512, 768, 3) for ref in refs)
    portrait = np.asarray(Image.open(io.BytesIO(MEMBERS["mobile"]["mobile/m2.png"])))
    np.testing.assert_array_equal(refs[1].load(), centre_crop(portrait.transpose(1, 0, 2), 512, 768))
