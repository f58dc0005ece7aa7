"""Import CompressAI (and with it torch) only when a codec actually needs it.

The platform imports every plugin whenever it builds its registry; CompressAI
pulls in torch and torch_geometric (seconds), so nothing at plugin import or
registration time may touch them. Modules that need them at import time
(:mod:`.checkpoints`, :mod:`.train`) are themselves imported only lazily.
"""

from __future__ import annotations

import sys
import warnings
from types import ModuleType


def compressai() -> ModuleType:
    """The ``compressai`` package, imported (with its models) on first use."""
    if "compressai.models" not in sys.modules:
        with warnings.catch_warnings():  # compressai imports torch_geometric, which calls the deprecated torch.jit.script
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.jit")
            import compressai.models  # noqa: F401
    return sys.modules["compressai"]
