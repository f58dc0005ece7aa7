"""Built-in datasets: ``sample`` (offline), ``kodak`` and ``clic2020`` (downloaded or local, verified).

CLIC 2020 splits: ``valid`` (default) and ``train`` are the professional
validation and training sets; ``test`` is the mobile and professional test
sets together, 428 images (178 + 250), the set Lieberman et al. (2023) call
CLIC. The paper used them cropped to 512 x 768 with portrait images transposed
first: the ``geometry = "paper"`` dataset option (``paper-clic-c`` sets both).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..dataset import Dataset, DatasetError, FolderDataset, ImageRef, file_ref
from ..download import cache_dir, download, safe_extract_zip
from ..files import file_digest, sha256_bytes
from ..hookspecs import hookimpl
from ..images import centre_crop, encode_png

KODAK_URL = "https://r0k.us/graphics/kodak/{name}"
KODAK_ENV = "OODNIC_KODAK_DIR"
KODAK_SHA256 = {
    "kodim01.png": "6b4fbe6f3e8e0e20150d5b0c32248bf072e22b5989d415f96f796c5b7004a70f",
    "kodim02.png": "1788370471429d992750a09caf6702ac74e56962447de02520d4b161738c0369",
    "kodim03.png": "b9c800ee568f0b18c983817df08d9f7f24a7ddb3abfdc31bde9234c4fde83137",
    "kodim04.png": "0c60c62599ad33fd78b29c36013fbe4120946f6c327c0ef0ec6983297fb48d23",
    "kodim05.png": "ccf694ceb6bbf431e0009ed0d5573a8ff0915095b69ddfb527b91d8325897f5e",
    "kodim06.png": "f4212cc927d1d579c712843cf8320c7eccb571e5ea80456022ffe99d67e9cd5d",
    "kodim07.png": "7cdd6d63ae0a245f6f9d983d740e11c6808c2efc24f8351aad9b5f676c27b55a",
    "kodim08.png": "5a6a089bdb47605287c00d89ebf2a5312981eb998c94b5853d917c93a9066cdb",
    "kodim09.png": "4d8d801592aeaf446978bbd1c83b76c498242d0f684769311a4e7248289500bf",
    "kodim10.png": "7aca487dc83db732a5690b7affe8558e9dadf5bb44a4589ba2b607480a07228b",
    "kodim11.png": "c7c02bd6e942d1181518e3ce2d97cf0451e4494a5e9d6ddee276940e4875d746",
    "kodim12.png": "df571f5e66d1aefd764ea77855e81e3be61528c34962a0fd1d50557502162c1e",
    "kodim13.png": "797949ce1152ef157ff0a1231c95cb8ed7641615e0b0f5f77f851a44aee19e8d",
    "kodim14.png": "08a1898d5702f32e7d9f94a94651d74a62cb9325475775a558b388c8d98f1846",
    "kodim15.png": "416c475f39b0eb9203ce7f77d2af8824f5bffc1a86a4605865017f04c41639b9",
    "kodim16.png": "5d03303693decdf7a1e1e930b5ca6684283aa80a9e7d8d6a842a74fa5f790640",
    "kodim17.png": "19d90e98e5835efae20a6e17e22e5ac6814ee2c8efb32d188ea4359abaf9f5bd",
    "kodim18.png": "83df267dfec61e9b9d3756c422502160b2fab595650c73a8b12940540ad09ec5",
    "kodim19.png": "86560efe85a13413b228ef7e42dde0d439b25a94fb8e2d6fb1dc1631cf48853b",
    "kodim20.png": "1ae187d92b3a4483b6717f7fd08592846ffdfc340c6424f6756627a27f3d8ea7",
    "kodim21.png": "26e193795108c4b5ec47206ae4ff07a353d2492947f7a7ae8d380e042b74027b",
    "kodim22.png": "627b76fccf714b4ddffb739b2eb63ba2817cf5b5a8e222079542dcf2cfdda939",
    "kodim23.png": "85c67d7ea758cb0604fb6980ab0c65091a2eefa7b3b50cbb1bc702a60206dfe5",
    "kodim24.png": "9f1c26df52217bd49f998a720a2ffeba41a535cf826f4ae32e355fb2b0bbc0fe",
}

#: Public-domain / CC0 images that scikit-image ships inside its wheel.
SAMPLE_IMAGES = ("astronaut", "chelsea", "coffee")
SAMPLE_SIZE = 256


class SampleDataset(Dataset):
    """Centre crops (256 x 256) of three natural images shipped with scikit-image (public domain / CC0).

    Small on purpose: the default ``oodnic run`` codes them with every codec and
    corruption in about two minutes on two cores, offline.
    """

    name = "sample"

    def images(self) -> list[ImageRef]:
        from skimage import data

        refs = []
        for key in SAMPLE_IMAGES:
            full = getattr(data, key)()[:, :, :3]
            # an odd margin loses its last row or column first: the crop starts at the margin's floor half
            h, w = full.shape[0] - (full.shape[0] - SAMPLE_SIZE) % 2, full.shape[1] - (full.shape[1] - SAMPLE_SIZE) % 2
            array = centre_crop(full[:h, :w], SAMPLE_SIZE, SAMPLE_SIZE)
            refs.append(ImageRef(f"{key}.png", sha256_bytes(encode_png(array)), functools.partial(_pixels, array)))
        return refs


def _pixels(array: np.ndarray, max_pixels: int) -> np.ndarray:
    return array


class KodakDataset(Dataset):
    """The 24 Kodak images: a local copy (``path`` or ``$OODNIC_KODAK_DIR``) or a verified download."""

    name = "kodak"

    def __init__(self, path: str | None = None):
        self.path = path or os.environ.get(KODAK_ENV)

    def images(self) -> list[ImageRef]:
        if self.path:
            root = Path(self.path)
            missing = [n for n in KODAK_SHA256 if not (root / n).is_file()]
            if missing:
                raise DatasetError(f"kodak: {root} lacks {len(missing)} of the 24 images (first: {missing[0]})")
            return [file_ref(root / n, n) for n in sorted(KODAK_SHA256)]
        root = cache_dir() / "kodak"
        paths = [download(KODAK_URL.format(name=n), root / n, h) for n, h in sorted(KODAK_SHA256.items())]
        return [file_ref(p, p.name) for p in paths]


CLIC_ENV = "OODNIC_CLIC_DIR"
CLIC_URL = "https://data.vision.ee.ethz.ch/cvl/clic/{name}"


@dataclass(frozen=True)
class Archive:
    """One zip of a split: its path under :data:`CLIC_URL`, checksum, and the folder it is extracted to."""

    url_path: str
    algorithm: str
    digest: str
    folder: str = ""

    @property
    def file_name(self) -> str:
        return self.url_path.rsplit("/", 1)[-1]


#: Checksums: valid/train md5 as the platform pinned them before; the test archives' sha256
#: (and sizes, 721,789,976 and 891,643,809 bytes) as TensorFlow Datasets records them (url_checksums/clic.txt).
SPLITS: dict[str, tuple[Archive, ...]] = {
    "valid": (Archive("professional_valid_2020.zip", "md5", "7111ee240435911db04dbc5f40d50272"),),
    "train": (Archive("professional_train_2020.zip", "md5", "a6845cac88c3dd882246575f7a2fc5f9"),),
    "test": (
        Archive("test/CLIC2020Mobile_test.zip", "sha256",
                "2025f07a6c652270e534640de4271feef3b3dd3260beed4ac4821064837aa732", "mobile"),
        Archive("test/CLIC2020Professional_test.zip", "sha256",
                "857df244fc2bfa5da28d4c66bf0db16ee99bfc79eb807be8afa89cd507852884", "professional"),
    ),
}


class Clic2020Dataset(Dataset):
    """A CLIC 2020 split, from local archives (``path`` or ``$OODNIC_CLIC_DIR``) or verified downloads.

    A split's images are named by their path below its extraction folder; the
    ``test`` split's start with ``mobile/`` or ``professional/``.
    """

    def __init__(self, split: str = "valid", path: str | None = None):
        if split not in SPLITS:
            raise DatasetError(f"clic2020: unknown split {split!r} (choose {', '.join(SPLITS)})")
        self.split = split
        self.name = f"clic2020-{split}"
        self.path = path or os.environ.get(CLIC_ENV)

    def images(self) -> list[ImageRef]:
        root = cache_dir() / "clic2020"
        folder = root / self.split
        marker = folder / ".complete"
        archives = SPLITS[self.split]
        stamp = " ".join(a.digest for a in archives)
        if not (marker.exists() and marker.read_text() == stamp):
            for archive in archives:
                safe_extract_zip(self._archive(archive, root), folder / archive.folder)
            marker.write_text(stamp)
        return FolderDataset(folder, name=self.name).images()

    def _archive(self, archive: Archive, root: Path) -> Path:
        """The verified archive file: the local copy, or a download into the cache."""
        if not self.path:
            return download(CLIC_URL.format(name=archive.url_path), root / archive.file_name, archive.digest,
                            archive.algorithm)
        local = Path(self.path) / archive.file_name
        if not local.is_file():
            raise DatasetError(f"clic2020: {local} not found (the {self.split} split needs "
                               f"{', '.join(a.file_name for a in SPLITS[self.split])})")
        if file_digest(local, archive.algorithm) != archive.digest:
            raise DatasetError(f"clic2020: {local} fails its {archive.algorithm} check")
        return local


@hookimpl
def register_datasets(register):
    register("sample", SampleDataset)
    register("kodak", KodakDataset)
    register("clic2020", Clic2020Dataset)
