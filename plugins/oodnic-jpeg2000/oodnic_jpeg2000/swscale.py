"""ffmpeg's default RGB <-> YUV 4:4:4 conversions (libswscale), reproduced bit for bit in integers.

``ffmpeg -i in.png -pix_fmt yuv444p`` converts with libswscale's defaults: the
BT.601 matrix, limited ("tv") range, RGB2YUV_SHIFT = 15 fixed point with the
coefficients libswscale hard-codes for that matrix (``fill_rgb2yuv_table``),
input rounding to 1/64 then output rounding to an integer (no dithering for
8-bit input). Back to RGB it uses the full-chroma path (its input chroma is
not subsampled): 13-bit coefficients, ``+ 2**21`` then ``>> 22``, with 32-bit
wrap-around clipping (``yuv2rgb_write_full``). Both were checked against
ffmpeg 5.1 on all 2**24 inputs.
"""

from __future__ import annotations

import numpy as np

SHIFT = 15
_ONE = 1 << SHIFT
#: Rows Y, U, V; columns R, G, B: libswscale's hard-coded BT.601 limited-range coefficients.
RGB2YUV = np.array([
    [int(0.299 * 219 / 255 * _ONE + 0.5), int(0.587 * 219 / 255 * _ONE + 0.5), int(0.114 * 219 / 255 * _ONE + 0.5)],
    [-int(0.169 * 224 / 255 * _ONE + 0.5), -int(0.331 * 224 / 255 * _ONE + 0.5), int(0.500 * 224 / 255 * _ONE + 0.5)],
    [int(0.500 * 224 / 255 * _ONE + 0.5), -int(0.419 * 224 / 255 * _ONE + 0.5), -int(0.081 * 224 / 255 * _ONE + 0.5)],
], dtype=np.int64)
#: libswscale's ``ff_yuv2rgb_coeffs`` for BT.601: Cr->R, Cb->B, -Cb->G, -Cr->G, in 1/65536.
INVERSE_601 = (104597, 132201, 25675, 53279)


def _round16(value: int) -> int:
    """libswscale's ``roundToInt16``."""
    return max(-0x7FFF, min(0x7FFF, (value + (1 << 15)) >> 16))


_CY = (1 << 16) * 255 // 219
Y_COEFF, Y_OFFSET = _round16(_CY * (1 << 13)), _round16((16 << 16) * (1 << 9))
V2R, U2B = _round16(INVERSE_601[0] * (1 << 13)), _round16(INVERSE_601[1] * (1 << 13))
U2G, V2G = _round16(-INVERSE_601[2] * (1 << 13)), _round16(-INVERSE_601[3] * (1 << 13))


def rgb_to_yuv444(rgb: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 RGB -> HxWx3 uint8 planes Y, Cb, Cr exactly as ``ffmpeg -pix_fmt yuv444p``."""
    total = rgb.astype(np.int64) @ RGB2YUV.T  # sum of coefficient x sample, per output plane
    offsets = np.array([16, 128, 128], dtype=np.int64) << SHIFT  # black level and chroma zero
    sixty_fourths = (total + offsets + (1 << (SHIFT - 7))) >> (SHIFT - 6)  # rounded to 1/64
    return np.clip((2 * sixty_fourths + 64) >> 7, 0, 255).astype(np.uint8)


def _wrap_clip(value: np.ndarray) -> np.ndarray:
    """libswscale's 30-bit clip of a value computed in 32-bit unsigned arithmetic, then ``>> 22``."""
    as_int32 = ((value + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
    return np.clip(as_int32, 0, (1 << 30) - 1) >> 22


def yuv444_to_rgb(yuv: np.ndarray) -> np.ndarray:
    """HxWx3 uint8 planes Y, Cb, Cr -> RGB exactly as ffmpeg's yuv444p -> rgb24 conversion."""
    y, u, v = (yuv[..., i].astype(np.int64) for i in range(3))
    luma = ((y << 9) - Y_OFFSET) * Y_COEFF + (1 << 21)
    u, v = (u - 128) << 9, (v - 128) << 9
    planes = (luma + v * V2R, luma + v * V2G + u * U2G, luma + u * U2B)
    return np.stack([_wrap_clip(p) for p in planes], axis=-1).astype(np.uint8)
