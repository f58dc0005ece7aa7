"""Where a run's images come from: a registered dataset, a set written by ``oodnic corrupt``, or a folder.

Every source takes the core's ``geometry`` option (see :mod:`oodnic_platform.geometry`);
other options go to the registered dataset's factory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .corrupted_set import MANIFEST_NAME, MaterialisedDataset
from .dataset import Dataset, DatasetError, FolderDataset
from .errors import ConfigError
from .geometry import GEOMETRIES, GeometryDataset
from .names import did_you_mean
from .plugins import Registry

#: Dataset options that say where files are, not what they are: left out of a dataset's identity.
LOCATION_OPTIONS = ("path",)


def is_registered(registry: Registry, name: str) -> bool:
    return name in registry.datasets


def resolve_dataset(registry: Registry, name: str, options: dict[str, Any]) -> Dataset:
    """The dataset ``name`` with ``options``; a mistake is a one-line :class:`DatasetError`/:class:`ConfigError`."""
    options = dict(options)
    geometry = str(options.pop("geometry", "as-is"))
    if geometry not in GEOMETRIES:
        raise ConfigError(f"dataset option geometry must be one of {', '.join(GEOMETRIES)}, not {geometry!r}")
    if name in registry.datasets:
        try:
            dataset = registry.datasets[name](**options)
        except TypeError as exc:
            raise ConfigError(f"dataset {name}: bad option ({exc})") from None
    elif os.path.isfile(os.path.join(name, MANIFEST_NAME)):
        if options:
            raise ConfigError(f"a set written by oodnic corrupt takes no dataset options, got {', '.join(options)}")
        dataset = MaterialisedDataset(name)
        if geometry != "as-is":
            raise ConfigError(f"{name} was written with geometry {dataset.geometry}: it takes no geometry option "
                              f"(materialise it again with --dataset-option geometry={geometry})")
        return dataset
    elif os.path.exists(name):
        dataset = FolderDataset(name, **options)
    else:
        raise DatasetError(f"no such dataset or folder: {name} ({did_you_mean(name, registry.datasets)}"
                           f"datasets: {', '.join(sorted(registry.datasets))})")
    return GeometryDataset(dataset, geometry) if geometry != "as-is" else dataset


def dataset_identity(name: str, options: dict[str, Any], registry: Registry) -> str:
    """What a run folder's images are: a registered name with its options (not locations), or a resolved path."""
    options = {k: v for k, v in options.items() if k not in LOCATION_OPTIONS}
    options.setdefault("geometry", "as-is")
    source = name if name in registry.datasets else str(Path(name).resolve())
    return json.dumps({"dataset": source, "options": options}, sort_keys=True, default=str)
