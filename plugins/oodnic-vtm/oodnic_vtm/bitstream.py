"""The output picture size of a VTM 9.1 bitstream, read from its sequence parameter set.

DecoderAppStatic writes raw planes without their size, so ``decode()`` reads it where the decoder
does: the SPS's coded size minus the conformance window (the encoder's padding). The syntax is
VTM 9.1's (``VLCReader.cpp``: ``parseSPS`` up to the window, ``parseProfileTierLevel``,
``parseConstraintInfo``); the decoder's output size is checked against it.
"""

from __future__ import annotations

#: nal_unit_type of a sequence parameter set in VTM 9.1.
SPS_NUT = 15
#: general_constraint_info() in VTM 9.1: 4 flags, max_bitdepth (4), max_chroma_format (2), then 51 flags.
CONSTRAINT_INFO_BITS = 61


class _Bits:
    """MSB-first reader of an RBSP with Exp-Golomb codes."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def u(self, n: int) -> int:
        value = 0
        for _ in range(n):
            if self.pos >= 8 * len(self.data):
                raise ValueError("truncated sequence parameter set")
            value = (value << 1) | (self.data[self.pos >> 3] >> (7 - (self.pos & 7)) & 1)
            self.pos += 1
        return value

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise ValueError("invalid Exp-Golomb code in sequence parameter set")
        return (1 << zeros) - 1 + self.u(zeros)

    def align(self) -> None:
        self.pos = (self.pos + 7) // 8 * 8


def picture_size(bitstream: bytes) -> tuple[int, int]:
    """(width, height) of the decoded picture of a VTM 9.1 bitstream; ``ValueError`` if there is no SPS."""
    for nal in bitstream.split(b"\x00\x00\x01")[1:]:
        if len(nal) > 2 and nal[1] >> 3 == SPS_NUT:
            return _sps_size(_Bits(_unescape(nal[2:])))
    raise ValueError("not a VVC bitstream: no sequence parameter set")


def _unescape(payload: bytes) -> bytes:
    """Drop emulation-prevention bytes (0x03 after two zero bytes)."""
    return payload.replace(b"\x00\x00\x03", b"\x00\x00")


def _sps_size(bits: _Bits) -> tuple[int, int]:
    bits.u(4 + 4)  # sps_seq_parameter_set_id, sps_video_parameter_set_id
    max_sub_layers_minus1 = bits.u(3)
    bits.u(4)  # sps_reserved_zero_4bits
    if bits.u(1):  # sps_ptl_dpb_hrd_params_present_flag: profile_tier_level(1, max_sub_layers_minus1)
        bits.u(7 + 1)  # general_profile_idc, general_tier_flag
        bits.u(CONSTRAINT_INFO_BITS)
        bits.u(8)  # general_level_idc
        bits.u(32 * bits.u(8))  # num_sub_profiles, general_sub_profile_idc[]
        present = sum(bits.u(1) for _ in range(max_sub_layers_minus1))
        bits.align()
        bits.u(8 * present)  # sub_layer_level_idc[]
    bits.u(1)  # gdr_enabled_flag
    chroma_format_idc = bits.u(2)
    if chroma_format_idc == 3:
        bits.u(1)  # separate_colour_plane_flag
    if bits.u(1):  # ref_pic_resampling_enabled_flag
        bits.u(1)  # res_change_in_clvs_allowed_flag
    width, height = bits.ue(), bits.ue()
    if bits.u(1):  # sps_conformance_window_flag: offsets in chroma sample units
        left, right, top, bottom = bits.ue(), bits.ue(), bits.ue(), bits.ue()
        unit_x = 2 if chroma_format_idc in (1, 2) else 1
        unit_y = 2 if chroma_format_idc == 1 else 1
        width -= unit_x * (left + right)
        height -= unit_y * (top + bottom)
    return width, height
