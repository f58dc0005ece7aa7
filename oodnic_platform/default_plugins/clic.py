"""The built-in ``clic2020`` dataset: CLIC 2020 splits, checksummed downloads or local archives, safe extraction.

Splits: ``valid`` (default) and ``train`` are the professional validation and
training sets; ``test`` is the mobile and professional test sets together,
428 images (178 + 250), the set Lieberman et al. (2023) call CLIC. The paper
used them cropped to 512 x 768 with portrait images transposed first: the
``geometry = "paper"`` dataset option (``paper-clic-c`` sets both).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..dataset import Dataset, DatasetError, FolderDataset, ImageRef
from ..download import cache_dir, download, file_digest, safe_extract_zip

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
