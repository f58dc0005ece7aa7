"""oodnic-platform: how image codecs, classic and neural, behave out of distribution.

The public API for plugin authors is everything imported here.
"""

__version__ = "0.1.0"

from .codec import Codec, Encoded, Quality
from .config import ConfigError
from .corruption import FREQUENCY_GROUPS, Corruption
from .dataset import Dataset, DatasetError, FolderDataset, ImageRef
from .hookspecs import hookimpl
from .images import ImageError, decode_image, read_image
from .metric import Metric, Sample, add_arrays
from .plugins import Registry, get_registry
from .seeding import derive_rng
from .executor import Executor
from .work import Chunk, ChunkResult, CodecSpec, Job, RunSpec, init_worker, run_chunk

__all__ = [
    "Chunk",
    "ChunkResult",
    "Codec",
    "CodecSpec",
    "ConfigError",
    "Corruption",
    "Dataset",
    "DatasetError",
    "Encoded",
    "Executor",
    "FREQUENCY_GROUPS",
    "FolderDataset",
    "ImageError",
    "ImageRef",
    "Job",
    "Metric",
    "Quality",
    "Registry",
    "RunSpec",
    "Sample",
    "__version__",
    "decode_image",
    "add_arrays",
    "derive_rng",
    "get_registry",
    "hookimpl",
    "init_worker",
    "read_image",
    "run_chunk",
]
