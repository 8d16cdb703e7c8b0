"""The pure-Python Snappy decoder: every element kind, and corrupt input refused cleanly.

Round trips against real (plyvel-written) blocks are in test_leveldb_reader.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storyai.core.importers.foundry.snappy import SnappyError, decompress


def _literal(data: bytes) -> bytes:
    size = len(data) - 1
    if size < 60:
        return bytes([size << 2]) + data
    extra = (size.bit_length() + 7) // 8
    return bytes([(59 + extra) << 2]) + size.to_bytes(extra, "little") + data


def _copy1(length: int, offset: int) -> bytes:
    assert 4 <= length <= 11 and offset < 2048
    return bytes([((offset >> 8) << 5) | ((length - 4) << 2) | 1, offset & 0xFF])


def _copy2(length: int, offset: int) -> bytes:
    return bytes([((length - 1) << 2) | 2]) + offset.to_bytes(2, "little")


def _copy4(length: int, offset: int) -> bytes:
    return bytes([((length - 1) << 2) | 3]) + offset.to_bytes(4, "little")


def _header(length: int) -> bytes:
    out = bytearray()
    while length >= 0x80:
        out.append(length & 0x7F | 0x80)
        length >>= 7
    out.append(length)
    return bytes(out)


@pytest.mark.parametrize("size", [1, 5, 60, 61, 256, 300, 70_000])
def test_literals_of_every_length_encoding(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    assert decompress(_header(size) + _literal(data)) == data


def test_copy_with_one_byte_offset() -> None:
    text = bytes(range(40)) * 10  # 400 bytes, so offsets above 255 exist
    encoded = _header(400 + 11 + 4) + _literal(text) + _copy1(11, 300) + _copy1(4, 1)
    assert decompress(encoded) == text + text[100:111] + text[110:111] * 4


def test_copy_with_two_byte_offset() -> None:
    text = b"The goblin hides behind the barrel. " * 2000  # 72,000 bytes
    encoded = _header(len(text) + 64) + _literal(text) + _copy2(64, 60_000)
    start = len(text) - 60_000
    assert decompress(encoded) == text + text[start : start + 64]


def test_copy_with_four_byte_offset() -> None:
    text = bytes(range(256)) * 400  # 102,400 bytes: past what a 2-byte offset reaches
    encoded = _header(len(text) + 33) + _literal(text) + _copy4(33, 100_000)
    start = len(text) - 100_000
    assert decompress(encoded) == text + text[start : start + 33]


def test_overlapping_copies_repeat_the_last_bytes() -> None:
    encoded = _header(3 + 64 + 11) + _literal(b"abc") + _copy2(64, 3) + _copy1(11, 2)
    assert decompress(encoded) == b"abc" * 22 + b"a" + b"cacacacacac"


def test_empty_input_that_says_so() -> None:
    assert decompress(b"\x00") == b""


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the length header is cut off"),
        (b"\x80\x80", "the length header is cut off"),
        (b"\xff\xff\xff\xff\x7f", "not a valid 32-bit varint"),
        (b"\x80\x80\x80\x80\x80\x01", "not a valid 32-bit varint"),
        (_header(5) + b"\x10abc", "runs past the end of the input"),
        (_header(100) + b"\xf0", "length at byte 1 is cut off"),
        (_header(8) + _literal(b"abcd") + b"\x01", "is cut off"),
        (_header(8) + _literal(b"abcd") + b"\x0e\x00", "is cut off"),
        (_header(8) + _literal(b"abcd") + b"\x0f\x00\x00", "is cut off"),
        (_header(8) + _literal(b"abcd") + _copy1(4, 0), "points 0 bytes back"),
        (_header(8) + _literal(b"abcd") + _copy2(4, 5), "points 5 bytes back, with 4 bytes"),
        (_header(4) + _copy4(4, 1), "points 1 bytes back, with 0 bytes"),
        (_header(10) + _literal(b"abcd"), "decodes to 4 bytes, but its header says 10"),
        (_header(2) + _literal(b"abcd"), "decodes to 4 bytes, but its header says 2"),
    ],
)
def test_corrupt_input_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(SnappyError, match=reason):
        decompress(data)


def test_a_claimed_length_above_the_limit_is_refused_before_decoding() -> None:
    with pytest.raises(SnappyError, match="claims 1000000 bytes uncompressed"):
        decompress(_header(1_000_000) + _literal(b"x"), max_length=1000)


@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_raise_snappy_error(data: bytes) -> None:
    try:
        result = decompress(data)
    except SnappyError:
        return
    assert isinstance(result, bytes)


@given(st.binary(min_size=1, max_size=64), st.data())
def test_valid_streams_survive_any_truncation_cleanly(text: bytes, data: st.DataObject) -> None:
    encoded = _header(len(text) * 2) + _literal(text) + _copy4(len(text), len(text))
    assert decompress(encoded) == text * 2
    cut = data.draw(st.integers(0, len(encoded) - 1))
    with pytest.raises(SnappyError):
        decompress(encoded[:cut])
