"""Pure-Python decompression of raw Snappy data (the block format LevelDB uses, not framed).

Format: a varint with the uncompressed length, then elements. Each element starts
with a tag byte whose low two bits say what it is: a literal (bytes copied from the
input) or a copy of earlier output (1-, 2- or 4-byte offset). Every length and
offset is checked, so corrupt input raises :class:`SnappyError`, never IndexError.
"""

from __future__ import annotations

MAX_LENGTH = 0xFFFFFFFF
"""The header is a 32-bit varint: no Snappy block is larger."""


class SnappyError(ValueError):
    """The input is not valid Snappy data; the message says what is wrong."""


def uncompressed_length(data: bytes) -> tuple[int, int]:
    """The length the header claims, and where the elements start."""
    result = shift = 0
    for pos, byte in enumerate(data[:5]):
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            if result > MAX_LENGTH:
                break
            return result, pos + 1
        shift += 7
    else:
        if len(data) < 5:
            raise SnappyError("the length header is cut off")
    raise SnappyError("the length header is not a valid 32-bit varint")


def decompress(data: bytes, max_length: int = MAX_LENGTH) -> bytes:
    """Decompress raw Snappy ``data``; refuse a claimed length above ``max_length``."""
    length, pos = uncompressed_length(data)
    if length > max_length:
        raise SnappyError(
            f"it claims {length} bytes uncompressed, more than the {max_length} allowed"
        )
    end = len(data)
    out = bytearray()
    while pos < end:
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:  # literal
            size = tag >> 2
            if size >= 60:
                extra = size - 59
                if pos + extra > end:
                    raise SnappyError(f"a literal length at byte {pos - 1} is cut off")
                size = int.from_bytes(data[pos : pos + extra], "little")
                pos += extra
            stop = pos + size + 1
            if stop > end:
                raise SnappyError(f"a literal at byte {pos} runs past the end of the input")
            out += data[pos:stop]
            pos = stop
            continue
        if kind == 1:  # copy, 1-byte offset
            if pos >= end:
                raise SnappyError(f"a copy at byte {pos - 1} is cut off")
            size = ((tag >> 2) & 7) + 4
            offset = ((tag >> 5) << 8) | data[pos]
            pos += 1
        elif kind == 2:  # copy, 2-byte offset
            if pos + 2 > end:
                raise SnappyError(f"a copy at byte {pos - 1} is cut off")
            size = (tag >> 2) + 1
            offset = data[pos] | (data[pos + 1] << 8)
            pos += 2
        else:  # copy, 4-byte offset
            if pos + 4 > end:
                raise SnappyError(f"a copy at byte {pos - 1} is cut off")
            size = (tag >> 2) + 1
            offset = int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        have = len(out)
        if offset == 0 or offset > have:
            raise SnappyError(
                f"a copy at byte {pos} points {offset} bytes back, with {have} bytes written"
            )
        start = have - offset
        if offset >= size:
            out += out[start : start + size]
        else:  # the copy overlaps what it writes: the last `offset` bytes repeat
            pattern = out[start:]
            count, rest = divmod(size, offset)
            out += pattern * count + pattern[:rest]
    if len(out) != length:
        raise SnappyError(f"it decodes to {len(out)} bytes, but its header says {length}")
    return bytes(out)
