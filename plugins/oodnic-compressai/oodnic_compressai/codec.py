"""The codec base class that runs any CompressAI model: padding, batching, real entropy coding.

Images are padded on the right and bottom to a multiple of the model's stride
(64) by *replicating* the edge pixels (zero padding would add a sharp edge that
costs bits and rings back into the image), coded, and cropped back. The
bitstream (see :mod:`.bitstream`) carries everything decoding needs besides the
weights, and its bytes are what the platform's bpp counts. Besides uint8
images, ``encode``/``encode_batch`` take float32 images in [0, 255] and code
them unrounded (``accepts_float``), as the paper feeds perturbed images in
Fourier heat maps.
"""

from __future__ import annotations

import copy
import importlib.metadata
import zlib
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from oodnic_platform import Codec, Encoded, Quality

from . import _lazy
from .bitstream import Frame, Shape, canonical_shape, is_nested, pack, unpack

if TYPE_CHECKING:  # torch and compressai are imported only when a model is used
    import torch
    from compressai.models import CompressionModel
    from torch import nn

STRIDE = 64
PAD_MODE = "replicate"
#: pixels per network call: on CPU one Kodak image (bigger batches only thrash memory), more on a GPU
BATCH_PIXELS = {"cpu": 768 * 512, "cuda": 16 * 768 * 512}


def as_float32(quality: Quality) -> float:
    """The quality as the bitstream stores it (float32), so encoder and decoder agree exactly."""
    return float(np.float32(quality))


def is_variable_rate(model: CompressionModel) -> bool:
    """CompressAI's -vbr models take the rate (a quantisation gain) at coding time."""
    _lazy.compressai()
    from compressai.models.vbr import ScaleHyperpriorVbr

    return isinstance(model, ScaleHyperpriorVbr)


class CompressAICodec(Codec):
    """Codes images with a CompressAI ``CompressionModel``; subclasses say which weights a quality means.

    Subclasses implement :meth:`identity` (what fixes the weights, bar the
    quality), :meth:`weights_id` and :meth:`load_model` (a model on CPU, in eval
    mode, CDF tables ready). For CompressAI's variable-rate models the quality is
    the quantisation gain (1 / step size) passed to ``compress``/``decompress``.
    """

    resource = "gpu"
    accepts_float = True
    #: inclusive bounds of a valid quality (None: see check_quality)
    quality_range: tuple[float, float] | None = None
    estimate_bpp: bool = True
    #: keyword that passes the quality to compress/decompress/forward of a user's variable-rate model
    rate_argument: str = ""

    def __init__(self) -> None:
        self.device = "cpu"
        self._models: dict[tuple[str, float, str], CompressionModel] = {}
        self._weights: dict[str, CompressionModel] = {}

    # -- what subclasses provide -------------------------------------------------
    def identity(self) -> str:
        raise NotImplementedError

    def weights_id(self, quality: float) -> str:
        """Key of the weights ``quality`` uses (models sharing it are loaded once)."""
        return self.identity()

    def load_model(self, quality: float) -> CompressionModel:
        raise NotImplementedError

    def fingerprint(self, qualities: Sequence[Quality] | None = None) -> dict[str, str]:
        """sha256 of every weight file the ``qualities`` (default: the ladder) code with (file name -> hex digest)."""
        return {}

    def check_quality(self, quality: Quality) -> None:
        """Raise ValueError (one line) for a quality outside :attr:`quality_range`."""
        if self.quality_range is not None:
            low, high = self.quality_range
            if not low <= float(quality) <= high:
                raise ValueError(f"{self.name} quality must be in [{low:g}, {high:g}], not {quality}")

    # -- Codec -------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        return {"estimate_bpp": self.estimate_bpp}

    def version(self) -> str:
        return f"compressai {importlib.metadata.version('compressai')}"

    @property
    def model_id(self) -> int:
        """32-bit id of :meth:`identity`, written into every bitstream."""
        return zlib.crc32(self.identity().encode())

    def load(self, device: str) -> None:
        """Use ``device`` from now on; models are loaded on first use and cached."""
        _lazy.compressai()
        import torch

        self.device = str(torch.device(device))
        if self.device.startswith("cuda"):  # CPU inference is deterministic already
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cuda.matmul.allow_tf32 = False  # TF32 latents would differ from CPU ones
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cudnn.benchmark = False
            torch.backends.cudnn.deterministic = True

    def model(self, quality: Quality) -> CompressionModel:
        """The model coding at ``quality`` on this codec's device (cached)."""
        quality = as_float32(quality)
        key = (self.identity(), quality, self.device)
        if key not in self._models:
            _lazy.compressai()
            import torch
            from compressai.entropy_models.entropy_models_vbr import EntropyBottleneckVbr

            wid = self.weights_id(quality)
            if wid not in self._weights:
                self._weights[wid] = self.load_model(quality)
            model = self._weights[wid]  # kept on CPU
            if is_variable_rate(model) and isinstance(model.entropy_bottleneck, EntropyBottleneckVbr):
                model = copy.deepcopy(model)  # its hyperprior tables depend on the rate
                model.update(force=True, scale=torch.tensor(quality))
            elif self.device != "cpu":
                model = copy.deepcopy(model)
            self._models[key] = model.to(self.device).eval()
        return self._models[key]

    @property
    def batch_pixels(self) -> int:
        return BATCH_PIXELS["cuda" if self.device.startswith("cuda") else "cpu"]

    def coding_kwargs(self, model: CompressionModel, quality: float) -> dict[str, Any]:
        if is_variable_rate(model):
            import torch

            return {"stage": 2, "s": 0, "inputscale": torch.tensor(quality, device=self.device)}
        if self.rate_argument:
            return {self.rate_argument: int(quality) if quality.is_integer() else quality}
        return {}

    def encode(self, image: np.ndarray, quality: Quality) -> bytes:
        return self.encode_batch([image], quality)[0]

    def decode(self, data: bytes) -> np.ndarray:
        return self.decode_batch([data])[0]

    def encode_batch(self, images: Sequence[np.ndarray], quality: Quality) -> list[bytes]:
        """Encode images of equal size through the network together (one bitstream each)."""
        quality = as_float32(quality)
        model = self.model(quality)
        kwargs = self.coding_kwargs(model, quality)
        out: list[bytes] = []
        for chunk in _chunks(list(images), self.batch_pixels):
            out.extend(self._encode_chunk(model, chunk, quality, kwargs))
        return out

    def decode_batch(self, data: Sequence[bytes]) -> list[np.ndarray]:
        """Decode bitstreams; those of equal quality and size go through the network together."""
        frames = [unpack(d) for d in data]
        for frame in frames:
            if frame.model_id != self.model_id:
                raise ValueError(f"bitstream was written by another model (id {frame.model_id:08x}), "
                                 f"not by {self.name} with these settings (id {self.model_id:08x})")
        groups: dict[tuple, list[int]] = {}
        for index, frame in enumerate(frames):
            groups.setdefault((frame.quality, frame.size, frame.shape, len(frame.strings)), []).append(index)
        images: list[np.ndarray | None] = [None] * len(frames)
        for (quality, size, shape, _), indices in groups.items():
            for chunk in _chunks(indices, self.batch_pixels, size):
                decoded = self._decode_chunk([frames[i] for i in chunk], quality, size, shape)
                for i, image in zip(chunk, decoded):
                    images[i] = image
        return images  # type: ignore[return-value]

    # -- the network -------------------------------------------------------------
    def _encode_chunk(self, model: CompressionModel, images: list[np.ndarray], quality: float,
                      kwargs: dict[str, Any]) -> list[Encoded]:
        import torch

        with torch.no_grad():
            return self._encode_chunk_no_grad(model, images, quality, kwargs)

    def _encode_chunk_no_grad(self, model: CompressionModel, images: list[np.ndarray], quality: float,
                              kwargs: dict[str, Any]) -> list[Encoded]:
        import torch

        height, width = images[0].shape[:2]
        x = torch.from_numpy(as_network_input(images)).to(self.device).permute(0, 3, 1, 2).float().div(255.0)
        x = pad(x, _stride(model))
        with _capture_output(getattr(model, "g_a", None)) as analysis:
            coded = model.compress(x, **kwargs)
        shape = canonical_shape(coded["shape"])
        bits = _estimated_bits(model, x, kwargs, analysis.get("y")) if self.estimate_bpp else None
        out = []
        for i in range(len(images)):
            frame = Frame(self.model_id, quality, (height, width), shape, tuple(s[i] for s in coded["strings"]))
            info = {"est_bpp": bits[i] / (height * width)} if bits is not None else {}
            out.append(Encoded(pack(frame), info))
        return out

    def _decode_chunk(self, frames: list[Frame], quality: float, size: tuple[int, int],
                      shape: Shape) -> list[np.ndarray]:
        import torch

        with torch.no_grad():
            return self._decode_chunk_no_grad(frames, quality, size, shape)

    def _decode_chunk_no_grad(self, frames: list[Frame], quality: float, size: tuple[int, int],
                              shape: Shape) -> list[np.ndarray]:
        import torch

        model = self.model(quality)
        strings = [[f.strings[j] for f in frames] for j in range(len(frames[0].strings))]
        x_hat = model.decompress(strings, torch_shape(shape), **self.coding_kwargs(model, quality))["x_hat"]
        x_hat = x_hat[:, :, : size[0], : size[1]].clamp(0, 1).mul(255).round().to(torch.uint8)
        return list(x_hat.permute(0, 2, 3, 1).cpu().numpy())


def torch_shape(shape: Shape) -> Any:
    """A :data:`.bitstream.Shape` as decompress() takes it (torch.Size, or dicts and lists of them)."""
    import torch

    if not is_nested(shape):
        return torch.Size(shape)
    kind, items = shape
    if kind == "list":
        return [torch_shape(item) for item in items]
    return {key: torch_shape(item) for key, item in items}


def as_network_input(images: Sequence[np.ndarray]) -> np.ndarray:
    """The images stacked: uint8 as they are, floats as float32 (unrounded; values must lie in [0, 255])."""
    batch = np.stack(images)
    if batch.dtype == np.uint8:
        return batch
    if not np.issubdtype(batch.dtype, np.floating):
        raise ValueError(f"images must be uint8, or float32 in [0, 255], not {batch.dtype}")
    if not (np.isfinite(batch).all() and batch.min() >= 0 and batch.max() <= 255):
        raise ValueError("float images must hold finite values in [0, 255]")
    return batch.astype(np.float32, copy=False)


def pad(x: torch.Tensor, stride: int = STRIDE) -> torch.Tensor:
    """Pad NCHW ``x`` right and bottom to a multiple of ``stride`` by replicating edge pixels."""
    import torch.nn.functional as F

    height, width = x.shape[-2:]
    return F.pad(x, (0, -width % stride, 0, -height % stride), mode=PAD_MODE)


def _stride(model: CompressionModel) -> int:
    return max(STRIDE, int(getattr(model, "downsampling_factor", STRIDE)))


def _chunks(items: list, max_pixels: int, size: tuple[int, int] | None = None) -> list[list]:
    """Split ``items`` (images, or indices of images of ``size``) into batches of at most ``max_pixels``."""
    if not items:
        return []
    height, width = size if size is not None else items[0].shape[:2]
    step = max(1, max_pixels // (height * width))
    return [items[i : i + step] for i in range(0, len(items), step)]


@contextmanager
def _capture_output(module: nn.Module | None) -> Iterator[dict[str, torch.Tensor]]:
    """Record ``module``'s output (as ``"y"``) while the block runs."""
    captured: dict[str, torch.Tensor] = {}
    handle = module.register_forward_hook(lambda _m, _i, out: captured.update(y=out)) if module is not None else None
    try:
        yield captured
    finally:
        if handle is not None:
            handle.remove()


def _estimated_bits(model: CompressionModel, x: torch.Tensor, kwargs: dict[str, Any],
                    y: torch.Tensor | None) -> list[float]:
    """Bits per image that the forward pass's likelihoods predict (see :func:`._network.estimated_bits`)."""
    from ._network import estimated_bits

    return estimated_bits(model, x, kwargs, y)
