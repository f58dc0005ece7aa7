"""Is a file a checkpoint that ``torch.load(weights_only=True)`` would read? Checked without torch.

``validate()`` runs before any image is read (``configure()`` calls it), in a
process that may never import torch, so a text file, a truncated or foreign
zip, or a checkpoint with pickled objects other than tensors is refused there
with one line. The pickle is scanned (never executed) for the globals it would
import; only those of tensors, storages, dtypes and plain containers pass, a
subset of what torch's ``weights_only`` unpickler allows (a test checks that).
The real load (:mod:`.checkpoints`) still uses ``weights_only=True``.
"""

from __future__ import annotations

import io
import pickletools
import zipfile
import zlib
from pathlib import Path
from typing import IO, Iterator

from .errors import CheckpointError

_STORAGES = ("Float", "Double", "Half", "BFloat16", "Long", "Int", "Short", "Char", "Byte", "Bool")
_DTYPES = ("float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool")
#: "module.name" of every global a checkpoint may use
ALLOWED_GLOBALS: frozenset[str] = frozenset({
    "collections.OrderedDict", "_codecs.encode", "builtins.set",
    "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
    "torch._tensor._rebuild_from_type_v2", "torch.nn.parameter.Parameter", "torch.serialization._get_layout",
    "torch.Size", "torch.Tensor", "torch.device", "torch.storage.UntypedStorage", "torch.storage.TypedStorage",
    *(f"torch.{kind}Storage" for kind in _STORAGES), *(f"torch.{dtype}" for dtype in _DTYPES),
})
#: torch.save's legacy (pre-zip) format starts with this number, pickled
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING", "BINSTRING", "SHORT_BINSTRING"}
_verified: set[tuple[str, int, int]] = set()


def inspect_checkpoint(path: str | Path) -> None:
    """Raise :class:`CheckpointError` (one line) unless ``path`` is a readable torch checkpoint of tensors.

    Results are cached by (path, size, mtime_ns).
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _verified:
        return
    if zipfile.is_zipfile(path):
        _check_pickle(io.BytesIO(_zip_pickle(path)), path)
    else:
        _check_legacy(path)
    _verified.add(key)


def _zip_pickle(path: Path) -> bytes:
    """The ``data.pkl`` of a torch.save zip archive, after checking every member's CRC."""
    try:
        with zipfile.ZipFile(path) as archive:
            pickles = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
            if len(pickles) != 1:
                raise CheckpointError(f"{path} is a zip archive but not a torch checkpoint (no data.pkl)")
            broken = archive.testzip()
            if broken is not None:
                raise CheckpointError(f"cannot read checkpoint {path}: member {broken} is corrupt")
            return archive.read(pickles[0])
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: damaged zip archive ({exc})") from None


def _check_legacy(path: Path) -> None:
    """torch.save's legacy format: pickled magic number, protocol, system info, then the object."""
    with open(path, "rb") as handle:
        if handle.read(1) != b"\x80":
            raise CheckpointError(f"{path} is not a torch checkpoint (neither a torch zip archive nor a pickle)")
        handle.seek(0)
        ops = list(_ops(handle, path))
        if not any(op.name.startswith("LONG") and arg == LEGACY_MAGIC for op, arg in ops):
            raise CheckpointError(f"{path} is a pickle but not a torch checkpoint (no torch magic number)")
        for _ in range(3):  # protocol version, system info, the object itself
            _check_pickle(handle, path)


def _ops(stream: IO[bytes], path: Path) -> Iterator[tuple[pickletools.OpcodeInfo, object]]:
    try:
        for op, arg, _ in pickletools.genops(stream):
            yield op, arg
    except (ValueError, EOFError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: truncated or corrupt pickle ({exc})") from None


def _check_pickle(stream: IO[bytes], path: Path) -> None:
    """Refuse a pickle that imports anything outside :data:`ALLOWED_GLOBALS` (scanned, never run)."""
    refused: list[str] = []
    pushed: list[str | None] = []  # the values the last ops pushed, when they were strings
    memo: dict[int, str | None] = {}
    for op, arg in _ops(stream, path):
        name = op.name
        if name in ("GLOBAL", "INST"):
            refused += [g for g in [".".join(str(arg).split(" ", 1))] if g not in ALLOWED_GLOBALS]
        elif name == "STACK_GLOBAL":
            module, attr = pushed if len(pushed) == 2 else (None, None)
            qualified = f"{module}.{attr}" if module is not None and attr is not None else "an unresolved global"
            if qualified not in ALLOWED_GLOBALS:
                refused.append(qualified)
        elif name.startswith("EXT"):
            refused.append(f"extension code {arg}")
        if name in _STRING_OPS:
            pushed.append(str(arg))
        elif name == "MEMOIZE":
            memo[len(memo)] = pushed[-1] if pushed else None
        elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
            memo[int(arg)] = pushed[-1] if pushed else None
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            pushed.append(memo.get(int(arg)))
        elif op.stack_after:
            pushed.append(None)
        pushed = pushed[-2:]
    if refused:
        listed = ", ".join(dict.fromkeys(refused))
        raise CheckpointError(f"refusing checkpoint {path}: it holds pickled objects other than tensors ({listed[:200]})")
