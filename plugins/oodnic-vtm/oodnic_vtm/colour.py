"""The paper's colour pipeline around VTM: CompressAI's BT.709 RGB <-> YCbCr, in float32, truncated to 8 bit.

ood_nic (``models/codecs.py``, class ``VTM``) converts with ``compressai.transforms.functional.rgb2ycbcr``
on ``float32`` tensors scaled by 1/255, clips to [0, 1], multiplies by 255 and *truncates*
(``astype(np.uint8)``); the inverse does the same with ``ycbcr2rgb``. The operations below are the same
float32 operations in the same order, so the planes are bit-identical (tested against CompressAI).
"""

from __future__ import annotations

import numpy as np

#: ITU-R BT.709 weights (Kr, Kg, Kb), as CompressAI's ``YCBCR_WEIGHTS["ITU-R_BT.709"]``.
KR, KG, KB = 0.2126, 0.7152, 0.0722
F32 = np.float32


def rgb_to_ycbcr_planes(image: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 RGB -> 3xHxW uint8 Y, Cb, Cr planes (full range, truncated as the paper does)."""
    r, g, b = (image.transpose(2, 0, 1).astype(F32) / F32(255))[:, None]
    y = F32(KR) * r + F32(KG) * g + F32(KB) * b
    cb = F32(0.5) * (b - y) / F32(1 - KB) + F32(0.5)
    cr = F32(0.5) * (r - y) / F32(1 - KR) + F32(0.5)
    ycbcr = np.concatenate((y, cb, cr), axis=0)
    return (np.clip(ycbcr, 0, 1) * F32(255)).astype(np.uint8)


def ycbcr_planes_to_rgb(planes: np.ndarray) -> np.ndarray:
    """3xHxW uint8 Y, Cb, Cr planes -> HxWx3 uint8 RGB (the paper's inverse, truncated)."""
    y, cb, cr = (planes.astype(F32) / F32(255))[:, None]
    r = y + F32(2 - 2 * KR) * (cr - F32(0.5))
    b = y + F32(2 - 2 * KB) * (cb - F32(0.5))
    g = (y - F32(KR) * r - F32(KB) * b) / F32(KG)
    rgb = np.concatenate((r, g, b), axis=0)
    return (np.clip(rgb, 0, 1) * F32(255)).astype(np.uint8).transpose(1, 2, 0).copy()
