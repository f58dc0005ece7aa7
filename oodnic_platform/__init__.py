"""oodnic-platform: how image codecs, classic and neural, behave out of distribution.

The public API for plugin authors is everything imported here, plus the
documented public modules :mod:`oodnic_platform.results` (reading run folders),
:mod:`oodnic_platform.testing` (test helpers and the conformance kit),
:mod:`oodnic_platform.external` (codecs that run executables) and
:mod:`oodnic_platform.download` (verified downloads, safe extraction).
Everything else is internal and may change without notice.
"""

__version__ = "1.0.0"

from .codec import Codec, Encoded, Quality
from .config import CodecChoice, RunConfig, device_for, parse_int_list
from .contract import CONTRACT_VERSION, column_name, result_column
from .corruption import CLEAN, FREQUENCY_GROUPS, Corruption, derive_rng, is_clean
from .dataset import Dataset, FolderDataset, ImageRef
from .errors import ConfigError, DatasetError
from .executor import Executor
from .files import cached_digest as file_sha256
from .hookspecs import hookimpl
from .images import decode_image, read_image
from .metric import Metric, Sample, add_arrays
from .files import check_output_dir
from .identity import CoderIdentity
from .plan import Chunk, CodecSpec, Job, RunSpec
from .plugins import Registry, get_registry
from .runner import run as run_grid
from .settings import setting
from .worker import ChunkResult, failed_result, init_worker, run_chunk

#: The public modules besides this package (a plugin may import these and nothing else of the core).
PUBLIC_MODULES = ("oodnic_platform", "oodnic_platform.results", "oodnic_platform.testing",
                  "oodnic_platform.external", "oodnic_platform.download")

#: Exactly the table "The public API" in CONTRIBUTING.md (tests/test_public_api.py compares them).
__all__ = [
    "CLEAN",
    "CONTRACT_VERSION",
    "Chunk",
    "ChunkResult",
    "Codec",
    "CodecChoice",
    "CodecSpec",
    "CoderIdentity",
    "ConfigError",
    "Corruption",
    "Dataset",
    "DatasetError",
    "Encoded",
    "Executor",
    "FREQUENCY_GROUPS",
    "FolderDataset",
    "ImageRef",
    "Job",
    "Metric",
    "Quality",
    "Registry",
    "RunConfig",
    "RunSpec",
    "Sample",
    "add_arrays",
    "check_output_dir",
    "column_name",
    "decode_image",
    "derive_rng",
    "failed_result",
    "file_sha256",
    "get_registry",
    "hookimpl",
    "init_worker",
    "is_clean",
    "parse_int_list",
    "device_for",
    "read_image",
    "result_column",
    "run_chunk",
    "run_grid",
    "setting",
]
