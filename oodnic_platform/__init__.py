"""oodnic-platform: how image codecs, classic and neural, behave out of distribution.

The public API for plugin authors is everything imported here.
"""

__version__ = "0.1.0"

from .codec import Codec, Encoded, Quality
from .corruption import FREQUENCY_GROUPS, Corruption
from .dataset import Dataset, DatasetError, FolderDataset, ImageRef
from .hookspecs import hookimpl
from .images import ImageError, decode_image, read_image
from .metric import Metric, Sample, add_arrays
from .plugins import Registry, get_registry
from .seeding import derive_rng

__all__ = [
    "Codec",
    "Corruption",
    "Dataset",
    "DatasetError",
    "Encoded",
    "FREQUENCY_GROUPS",
    "FolderDataset",
    "ImageError",
    "ImageRef",
    "Metric",
    "Quality",
    "Registry",
    "Sample",
    "__version__",
    "decode_image",
    "add_arrays",
    "derive_rng",
    "get_registry",
    "hookimpl",
    "read_image",
]
