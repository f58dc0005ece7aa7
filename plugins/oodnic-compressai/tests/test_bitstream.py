import pytest

from oodnic_compressai.bitstream import NESTED_VERSION, VERSION, BitstreamError, Frame, canonical_shape, pack, unpack


def frame(**changes):
    fields = dict(model_id=0xDEADBEEF, quality=0.25, size=(512, 768), shape=(8, 12), strings=(b"\x01" * 300, b"", b"zz"))
    fields.update(changes)
    return Frame(**fields)


def test_round_trip_keeps_every_field():
    original = frame()
    assert unpack(pack(original)) == original


def test_header_is_small():
    original = frame()
    assert len(pack(original)) - sum(len(s) for s in original.strings) <= 24


@pytest.mark.parametrize("data, message", [
    (b"XX\x01" + bytes(20), "bad magic"),
    (b"OC\x09" + bytes(20), "version 9"),
])
def test_foreign_bytes_are_refused(data, message):
    with pytest.raises(BitstreamError, match=message):
        unpack(data)


def test_truncated_and_padded_streams_are_refused():
    data = pack(frame())
    with pytest.raises(BitstreamError, match="truncated"):
        unpack(data[:-1])
    with pytest.raises(BitstreamError, match="trailing"):
        unpack(data + b"\x00")


def test_nested_latent_shapes_round_trip():
    """ELIC's compress() returns a dict of per-group shapes; version 2 carries it, flat shapes stay version 1."""
    shape = canonical_shape({"y": [(4, 4, 8), (12, 4, 8)], "hyper": (1, 2)})
    assert shape == ("dict", (("y", ("list", ((4, 4, 8), (12, 4, 8)))), ("hyper", (1, 2))))
    nested = frame(shape=shape)
    data = pack(nested)
    assert data[2] == NESTED_VERSION and unpack(data) == nested
    assert pack(frame())[2] == VERSION
    with pytest.raises(BitstreamError, match="truncated"):
        unpack(data[:-1])
