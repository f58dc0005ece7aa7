"""glibc's malloc tuned inside each worker process, whatever environment started it.

A Dask nanny starts its worker with ``MALLOC_TRIM_THRESHOLD_=65536``. Setting
any threshold turns off glibc's dynamic mmap threshold, so every array over
128 KiB is mapped and unmapped afresh: MS-SSIM and the spectra then spend as
much CPU in page faults as in arithmetic. :func:`tune_malloc` fixes both
thresholds where glibc's dynamic scheme would settle (mmap 32 MiB, trim twice
that), so every worker, started by hand, by dask-jobqueue or by a LocalCluster,
behaves the same without any per-machine configuration.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD


def tune_malloc() -> bool:
    """Set this process's malloc thresholds; ``False`` where the C library is not glibc (nothing changed)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
