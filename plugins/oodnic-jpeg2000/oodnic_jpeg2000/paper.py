"""JPEG 2000 as Lieberman et al. (2023) coded it: ffmpeg's libopenjpeg wrapper on yuv444p, reproduced.

Their ``models/codecs.py`` (after CompressAI's ``utils/bench/codecs.py``) runs::

    ffmpeg -i in.png -vcodec jpeg2000 -pix_fmt yuv444p -c:v libopenjpeg -compression_level q out.jp2
    ffmpeg -i out.jp2 rec.png

and counts bpp from the size of ``out.jp2``. ffmpeg converts RGB to yuv444p
(:mod:`.swscale`), and its libopenjpeg wrapper calls OpenJPEG with its option
defaults: a JP2 file (``format=jp2``), colour space sYCC, one quality layer at
the compression ratio ``tcp_rates[0] = 2 q`` with rate-distortion allocation
(``disto_alloc=1``), the reversible 5/3 wavelet (``irreversible=0``), 6
resolutions (5 decomposition levels), 64 x 64 code blocks, LRCP progression,
no tiling, and no multiple-component transform (``tcp_mct`` stays 0: the
planes are already YCbCr). Decoding gives the same planes as ffmpeg's native
JPEG 2000 decoder; they go back to RGB as ffmpeg converts yuv444p to rgb24.
"""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image

from .swscale import rgb_to_yuv444, yuv444_to_rgb

#: ffmpeg's libopenjpeg ``numresolution`` default; OpenJPEG needs 2**(6-1) = 32 pixels per side for it.
RESOLUTIONS = 6
MIN_SIDE = 1 << (RESOLUTIONS - 1)
#: JP2 ``colr`` enumerated colour spaces: what Pillow writes for an RGB image, and what ffmpeg declares for yuv444p.
SRGB, SYCC = 16, 18


def encode(image: np.ndarray, quality: int) -> bytes:
    """The ``.jp2`` file ffmpeg writes for ``image`` at ``-compression_level quality``."""
    height, width = image.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ValueError(f"jpeg2000 paper mode needs {MIN_SIDE} pixels on each side (ffmpeg's {RESOLUTIONS} "
                         f"resolution levels), got {width}x{height}")
    planes = Image.fromarray(rgb_to_yuv444(image), "RGB")  # Y, Cb, Cr carried as three plain components
    buffer = io.BytesIO()
    planes.save(buffer, format="JPEG2000", no_jp2=False, irreversible=False, mct=0, quality_mode="rates",
                quality_layers=[2.0 * quality], num_resolutions=RESOLUTIONS, progression="LRCP",
                codeblock_size=(64, 64))
    return _declare_sycc(buffer.getvalue())


def decode(data: bytes) -> np.ndarray:
    """The image ``ffmpeg -i out.jp2 rec.png`` reconstructs."""
    with Image.open(io.BytesIO(_codestream(data)), formats=["JPEG2000"]) as img:
        planes = np.asarray(img)
    if planes.ndim != 3 or planes.shape[2] != 3:
        raise ValueError(f"jpeg2000 paper mode: expected three components, got an image of shape {planes.shape}")
    return yuv444_to_rgb(planes)


def _boxes(data: bytes, start: int = 0, end: int | None = None):
    """(type, content start, content end) of each JP2 box in ``data[start:end]``; ``ValueError`` if malformed."""
    end = len(data) if end is None else end
    while start < end:
        if end - start < 8:
            raise ValueError("jpeg2000 paper mode: truncated JP2 box header")
        length, kind = struct.unpack(">I4s", data[start:start + 8])
        header = 8
        if length == 1:
            if end - start < 16:
                raise ValueError("jpeg2000 paper mode: truncated JP2 box header")
            (length,), header = struct.unpack(">Q", data[start + 8:start + 16]), 16
        elif length == 0:
            length = end - start
        if length < header or start + length > end:
            raise ValueError(f"jpeg2000 paper mode: JP2 box {kind!r} overruns the file")
        yield kind, start + header, start + length
        start += length


def _find(data: bytes, kind: bytes, start: int = 0, end: int | None = None) -> tuple[int, int]:
    for found, begin, stop in _boxes(data, start, end):
        if found == kind:
            return begin, stop
    raise ValueError(f"jpeg2000 paper mode: no {kind.decode()} box in the JP2 file")


def _declare_sycc(jp2: bytes) -> bytes:
    """Set the colour box to sYCC, as ffmpeg's wrapper declares its yuv444p input (the only byte that differs)."""
    header = _find(jp2, b"jp2h")
    colr, _ = _find(jp2, b"colr", *header)
    method, enumerated = jp2[colr], struct.unpack(">I", jp2[colr + 3:colr + 7])[0]
    if (method, enumerated) != (1, SRGB):
        raise ValueError(f"jpeg2000 paper mode: unexpected colour box (method {method}, colour space {enumerated})")
    return jp2[:colr + 3] + struct.pack(">I", SYCC) + jp2[colr + 7:]


def _codestream(jp2: bytes) -> bytes:
    """The JPEG 2000 codestream inside a JP2 file: decoded as three plain components, with no colour conversion."""
    if not jp2.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n"):
        raise ValueError("jpeg2000 paper mode: not a JP2 file")
    begin, end = _find(jp2, b"jp2c")
    return jp2[begin:end]
