"""Untrusted checkpoints in, CompressAI models out.

Files are read with ``torch.load(weights_only=True)`` (no arbitrary unpickling),
compactly stored state dicts are unpacked (:mod:`.storage`), keys are renamed the
way CompressAI's zoo does (``compressai.zoo.load_state_dict``), and entropy-coder
tables a training checkpoint lacks are computed with ``update()``. A checkpoint
written by ``oodnic compressai-train`` also names its architecture and its
constructor arguments (``"config"``, e.g. N and M), so any size loads.
"""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path
from typing import Any

from . import _lazy

_lazy.compressai()  # with its import-time warnings filtered; this module itself is imported only lazily

import torch  # noqa: E402
from compressai.models import CompressionModel  # noqa: E402
from compressai.zoo import load_state_dict as rename_state_dict  # noqa: E402

from .errors import CheckpointError  # noqa: E402
from .models import VBR_RATE_BOTTLENECK, architectures  # noqa: E402
from .storage import unpack  # noqa: E402

#: where training scripts commonly nest the state dict inside a checkpoint
NESTED_KEYS = ("state_dict", "network", "model_state_dict", "model")
CDF_BUFFERS = {"_offset": torch.int32, "_quantized_cdf": torch.int32, "_cdf_length": torch.int32}
VBR_EB_BUFFERS = tuple(f"entropy_bottleneck.{name}" for name in CDF_BUFFERS)


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The top-level object of a checkpoint file, refusing anything but tensors and plain containers."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        detail = next((line.strip() for line in str(exc).splitlines() if "Unsupported global" in line), "")
        raise CheckpointError(
            f"refusing checkpoint {path}: it holds pickled objects other than tensors "
            f"(loaded with weights_only=True){': ' + detail if detail else ''}"
        ) from None
    except Exception as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    if not isinstance(obj, dict):
        raise CheckpointError(f"checkpoint {path} holds a {type(obj).__name__}, not a dict of tensors")
    return obj


def state_dict_of(checkpoint: dict[str, Any], path: str | Path = "checkpoint") -> dict[str, torch.Tensor]:
    """The model state dict inside ``checkpoint``, with CompressAI's key renaming applied."""
    for key in NESTED_KEYS:
        if isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
            break
    bad = [k for k, v in checkpoint.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise CheckpointError(f"{path}: state dict entries {', '.join(map(str, bad[:3]))} are not tensors")
    try:
        state_dict = unpack(checkpoint)
    except (KeyError, RuntimeError, ValueError, IndexError) as exc:
        raise CheckpointError(f"{path}: damaged compact state dict ({str(exc).splitlines()[0][:200]})") from None
    return _add_missing_tables(rename_state_dict(state_dict))


def _add_missing_tables(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Empty CDF buffers where an entropy model has none, so loading works and update() fills them."""
    state_dict = dict(state_dict)
    suffix = ".likelihood_lower_bound.bound"
    for prefix in [k[: -len(suffix)] for k in state_dict if k.endswith(suffix)]:
        for name, dtype in CDF_BUFFERS.items():
            state_dict.setdefault(f"{prefix}.{name}", torch.empty(0, dtype=dtype))
        if f"{prefix}.scale_bound" in state_dict:
            state_dict.setdefault(f"{prefix}.scale_table", torch.empty(0))
    return state_dict


def import_model_class(spec: str) -> type[CompressionModel]:
    """``"package.module:Class"`` -> the class, which must subclass CompressAI's ``CompressionModel``."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise CheckpointError(f"model_class must look like 'package.module:Class', not {spec!r}")
    try:
        cls = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise CheckpointError(f"cannot import model_class {spec!r}: {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, CompressionModel)):
        raise CheckpointError(f"model_class {spec!r} is not a compressai CompressionModel subclass")
    return cls


def build_model(cls: type[CompressionModel], state_dict: dict[str, torch.Tensor],
                config: dict[str, Any] | None = None, **kwargs: Any) -> CompressionModel:
    """Instantiate ``cls`` from ``state_dict``, in eval mode, CDFs ready.

    With ``config`` (constructor arguments saved by the trainer) the model is
    ``cls(**config)``; otherwise its ``from_state_dict`` if it has one, else ``cls()``.
    """
    try:
        if config:
            model = cls(**config, **kwargs)
            model.load_state_dict(state_dict)
        elif hasattr(cls, "from_state_dict"):
            model = cls.from_state_dict(state_dict, **kwargs)
        else:
            model = cls(**kwargs)
            model.load_state_dict(state_dict)
    except (RuntimeError, KeyError, TypeError, ValueError, AssertionError) as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines()[:2])
        raise CheckpointError(f"state dict does not fit {cls.__name__}: {detail[:300]}") from None
    model.eval()
    model.update()  # computes only the CDF tables that are missing
    return model


def load_checkpoint_model(path: str | Path, arch: str = "", model_class: str = "") -> CompressionModel:
    """A model from a checkpoint file: a zoo architecture name or a ``module:Class`` import path.

    Without either, the checkpoint's own ``"architecture"`` entry names the zoo architecture.
    """
    checkpoint = read_checkpoint(path)
    if not model_class and not arch:
        arch = str(checkpoint.get("architecture", ""))
    if model_class:
        cls = import_model_class(model_class)
    elif arch in architectures():
        cls = architectures()[arch]
    else:
        raise CheckpointError(f"unknown architecture {arch!r} for {path} (zoo: {', '.join(sorted(architectures()))})")
    state_dict = state_dict_of(checkpoint, path)
    config = checkpoint.get("config") if isinstance(checkpoint.get("config"), dict) else None
    kwargs = {}
    if arch in VBR_RATE_BOTTLENECK:
        kwargs["vr_entbttlnck"] = True
        # its hyperprior tables are rebuilt for every rate; start them empty so any stored size loads
        state_dict.update({key: state_dict[key].new_empty(0) for key in VBR_EB_BUFFERS if key in state_dict})
    return build_model(cls, state_dict, config, **kwargs)
