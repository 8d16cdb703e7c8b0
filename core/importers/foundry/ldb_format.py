"""LevelDB's on-disk formats, read only: log records, write batches, version edits, tables.

Every reader checks lengths against the bytes it has and raises :class:`FormatError`
(with a short reason) on anything that does not fit; callers turn that into a
warning or a refusal. References: leveldb ``doc/log_format.md`` and
``doc/table_format.md``.
"""

from __future__ import annotations

import struct

from storyai.core.importers.foundry.snappy import SnappyError, decompress, uncompressed_length

LOG_BLOCK = 32768
LOG_HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
TYPE_DELETION, TYPE_VALUE = 0, 1
TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER = 48
BLOCK_TRAILER = 5
VERIFY_CHECKSUMS = True
"""Check block and record CRC32C (about a sixth of the read time on real packs)."""


class FormatError(Exception):
    """Bytes that do not follow the LevelDB format; the message says what is wrong."""


class LimitExceeded(Exception):
    """Decompressing would go past the size budget."""


class Budget:
    """How many more bytes may be decompressed."""

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining

    def take(self, count: int) -> None:
        if count > self.remaining:
            raise LimitExceeded
        self.remaining -= count


# --- CRC32C ---------------------------------------------------------------------------------
# A byte-at-a-time CRC loop costs about as much as the rest of the read in CPython, so
# the CRC is computed on Python integers as GF(2) polynomials: the message is folded in
# halves, A = H*x^k + L = H*(x^k mod P) + L (mod P), where each fold is a few big-integer
# shifts and XORs; a table finishes the last 64 bits. 5-10x faster than slicing-by-8.

_POLY = 0x11EDC6F41  # Castagnoli, not reflected
_REVERSED_BITS = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def _reduce(value: int) -> int:
    while value.bit_length() > 32:
        value ^= _POLY << (value.bit_length() - 33)
    return value


def _x_power(exponent: int) -> int:
    """x**exponent mod P."""
    result, base = 1, 2
    while exponent:
        if exponent & 1:
            result = _reduce(_carryless(result, base))
        base = _reduce(_carryless(base, base))
        exponent >>= 1
    return result


def _carryless(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        a <<= 1
        b >>= 1
    return product


_TOP_BYTE = [_reduce(byte << 32) for byte in range(256)]
_folds: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}


def _fold_for(top: int, quarter: int) -> tuple[int, tuple[int, ...]]:
    """For a polynomial of 2**top*(1 + quarter/4) bits or a little more: where to cut it
    (k, about half) and the set bits of x**k mod P, choosing a k whose remainder has few."""
    key = (top, quarter)
    if key not in _folds:
        low = ((4 + quarter) << top) >> 3
        remainder = _x_power(low)
        best = (low, remainder)
        for cut in range(low + 1, low + min(256, low >> 3)):
            remainder = (remainder << 1) ^ _POLY if remainder >> 31 else remainder << 1
            if remainder.bit_count() < best[1].bit_count():
                best = (cut, remainder)
        _folds[key] = (best[0], tuple(i for i in range(32) if best[1] >> i & 1))
    return _folds[key]


def crc32c(data: bytes) -> int:
    """The CRC32C (Castagnoli) of ``data``."""
    size = len(data) * 8
    # Reflected CRC: reversing each byte's bits makes the message an ordinary polynomial.
    value = (int.from_bytes(data.translate(_REVERSED_BITS), "big") << 32) ^ (0xFFFFFFFF << size)
    length = value.bit_length()
    while length > 64:
        top = length.bit_length() - 1
        cut, bits = _fold_for(top, (length >> (top - 2)) & 3)
        high = value >> cut
        value &= (1 << cut) - 1
        for bit in bits:
            value ^= high << bit
        length = value.bit_length()
    value ^= _TOP_BYTE[value >> 56] << 24
    value ^= _TOP_BYTE[(value >> 48) & 0xFF] << 16
    value ^= _TOP_BYTE[(value >> 40) & 0xFF] << 8
    value = (value & 0xFFFFFFFF) ^ _TOP_BYTE[(value >> 32) & 0xFF]
    return int.from_bytes(value.to_bytes(4, "big").translate(_REVERSED_BITS), "little") ^ 0xFFFFFFFF


def unmask_crc(masked: int) -> int:
    """LevelDB stores CRCs rotated and offset ("masked"); undo that."""
    rot = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


# --- varints ------------------------------------------------------------------------------


def varint(data: bytes, pos: int, end: int, max_bytes: int = 10) -> tuple[int, int]:
    """Decode a varint at ``pos`` that must end before ``end``: (value, next position)."""
    result = shift = 0
    stop = min(end, pos + max_bytes)
    while pos < stop:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
    raise FormatError("a length runs past the end" if pos >= end else "a length is too long")


def length_prefixed(data: bytes, pos: int, end: int) -> tuple[bytes, int]:
    """A varint length then that many bytes: (bytes, next position)."""
    size, pos = varint(data, pos, end, 5)
    stop = pos + size
    if stop > end:
        raise FormatError(f"a {size}-byte string runs past the end")
    return data[pos:stop], stop


# --- log files (also MANIFEST files) ------------------------------------------------------


def log_records(data: bytes) -> tuple[list[bytes], list[str]]:
    """The logical records of a log file, and what had to be skipped.

    Like LevelDB, a corrupt record drops the rest of its 32 KiB block, and a record
    cut off at the very end of the file (the writer stopped) is ignored silently.
    """
    records: list[bytes] = []
    problems: list[str] = []
    pending: list[bytes] | None = None
    size = len(data)
    for block in range(0, size, LOG_BLOCK):
        block_end = min(block + LOG_BLOCK, size)
        pos = block
        while block_end - pos >= LOG_HEADER:
            masked, length, kind = struct.unpack_from("<IHB", data, pos)
            start = pos + LOG_HEADER
            stop = start + length
            if kind == 0 and length == 0:  # preallocated, zero-filled space
                break
            if stop > block_end:
                if block_end < size:
                    problems.append(f"a record at byte {pos} is longer than its block")
                break
            if VERIFY_CHECKSUMS and crc32c(data[start - 1 : stop]) != unmask_crc(masked):
                problems.append(f"checksum mismatch at byte {pos}")
                pending = None
                break
            pos = stop
            fragment = data[start:stop]
            if kind in (FULL, FIRST):
                if pending is not None:
                    problems.append(f"a record before byte {start} has no end")
                if kind == FULL:
                    records.append(fragment)
                    pending = None
                else:
                    pending = [fragment]
            elif kind in (MIDDLE, LAST):
                if pending is None:
                    problems.append(f"a record piece at byte {start} has no start")
                    continue
                pending.append(fragment)
                if kind == LAST:
                    records.append(b"".join(pending))
                    pending = None
            else:
                problems.append(f"unknown record type {kind} at byte {start - LOG_HEADER}")
                pending = None
    return records, problems


def batch_entries(record: bytes) -> list[tuple[bytes, int, int, bytes]]:
    """A WriteBatch's entries as (user key, sequence, type, value)."""
    end = len(record)
    if end < 12:
        raise FormatError("a write batch is shorter than its 12-byte header")
    sequence, count = struct.unpack_from("<QI", record)
    entries = []
    pos = 12
    while pos < end:
        kind = record[pos]
        key, pos = length_prefixed(record, pos + 1, end)
        if kind == TYPE_VALUE:
            value, pos = length_prefixed(record, pos, end)
        elif kind == TYPE_DELETION:
            value = b""
        else:
            raise FormatError(f"a write batch has an entry of unknown type {kind}")
        entries.append((key, sequence + len(entries), kind, value))
    if len(entries) != count:
        raise FormatError(f"a write batch says {count} entries but holds {len(entries)}")
    return entries


def version_edit(record: bytes, live: set[tuple[int, int]]) -> dict[str, int]:
    """Apply one MANIFEST VersionEdit to ``live`` (level, file number); return its numbers."""
    end = len(record)
    pos = 0
    numbers: dict[str, int] = {}
    added: list[tuple[int, int]] = []
    deleted: list[tuple[int, int]] = []
    while pos < end:
        tag, pos = varint(record, pos, end, 5)
        if tag in (1, 5):  # comparator name; compact pointer (level + internal key)
            if tag == 5:
                _, pos = varint(record, pos, end, 5)
            _, pos = length_prefixed(record, pos, end)
        elif tag in (2, 3, 4, 9):  # log number, next file, last sequence, previous log
            value, pos = varint(record, pos, end)
            numbers[{2: "log", 3: "next_file", 4: "last_sequence", 9: "prev_log"}[tag]] = value
        elif tag in (6, 7):  # deleted file; new file
            level, pos = varint(record, pos, end, 5)
            number, pos = varint(record, pos, end)
            if tag == 6:
                deleted.append((level, number))
            else:
                _, pos = varint(record, pos, end)  # file size
                _, pos = length_prefixed(record, pos, end)  # smallest key
                _, pos = length_prefixed(record, pos, end)  # largest key
                added.append((level, number))
        else:
            raise FormatError(f"unknown version edit field {tag}")
    live.difference_update(deleted)
    live.update(added)
    return numbers


# --- tables (.ldb / .sst) -----------------------------------------------------------------


def block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    """The (key, value) pairs of one uncompressed table block (keys prefix-compressed)."""
    size = len(block)
    if size < 4:
        raise FormatError("a block is shorter than 4 bytes")
    restarts = int.from_bytes(block[size - 4 :], "little")
    if restarts > (size - 4) // 4:
        raise FormatError(f"a block claims {restarts} restart points, more than fit")
    limit = size - 4 - 4 * restarts
    entries = []
    key = b""
    pos = 0
    while pos < limit:
        shared = block[pos]
        if shared < 0x80:
            pos += 1
        else:
            shared, pos = varint(block, pos, limit, 5)
        unshared = block[pos] if pos < limit else 0x80
        if unshared < 0x80:
            pos += 1
        else:
            unshared, pos = varint(block, pos, limit, 5)
        length = block[pos] if pos < limit else 0x80
        if length < 0x80:
            pos += 1
        else:
            length, pos = varint(block, pos, limit, 5)
        key_end = pos + unshared
        value_end = key_end + length
        if shared > len(key) or value_end > limit:
            raise FormatError(f"a block entry at byte {pos} does not fit")
        key = key[:shared] + block[pos:key_end] if shared else block[pos:key_end]
        entries.append((key, block[key_end:value_end]))
        pos = value_end
    return entries


def read_block(table: bytes, handle: bytes, budget: Budget) -> bytes:
    """The uncompressed contents of the block a handle (offset, size varints) points at."""
    offset, pos = varint(handle, 0, len(handle))
    size, pos = varint(handle, pos, len(handle))
    end = offset + size
    if end + BLOCK_TRAILER > len(table) - FOOTER:
        raise FormatError(f"a block at byte {offset} runs past the end of the file")
    kind = table[end]
    if VERIFY_CHECKSUMS:
        (masked,) = struct.unpack_from("<I", table, end + 1)
        if crc32c(table[offset : end + 1]) != unmask_crc(masked):
            raise FormatError(f"checksum mismatch in the block at byte {offset}")
    if kind == 0:
        budget.take(size)
        return table[offset:end]
    if kind != 1:
        name = {2: "zstd"}.get(kind, "unknown")
        raise FormatError(f"the block at byte {offset} uses {name} compression (type {kind})")
    raw = table[offset:end]
    try:
        if uncompressed_length(raw)[0] > budget.remaining:
            raise LimitExceeded
        data = decompress(raw)
    except SnappyError as error:
        raise FormatError(f"the block at byte {offset} is not valid snappy data: {error}") from None
    budget.take(len(data))
    return data


def table_entries(table: bytes, budget: Budget) -> tuple[list[tuple[bytes, bytes]], list[str]]:
    """Every (internal key, value) of a table, and the blocks that had to be skipped.

    Raises FormatError when the footer or index is unreadable (nothing can be read).
    """
    if len(table) < FOOTER:
        raise FormatError(f"{len(table)} bytes is too short for a table")
    footer = table[-FOOTER:]
    if int.from_bytes(footer[-8:], "little") != TABLE_MAGIC:
        raise FormatError("it does not end with the table magic number (truncated?)")
    pos = varint(footer, varint(footer, 0, 40)[1], 40)[1]  # skip the metaindex handle
    index_start = pos
    pos = varint(footer, varint(footer, pos, 40)[1], 40)[1]
    index = block_entries(read_block(table, footer[index_start:pos], budget))
    entries: list[tuple[bytes, bytes]] = []
    problems: list[str] = []
    for _, handle in index:
        try:
            entries.extend(block_entries(read_block(table, handle, budget)))
        except FormatError as error:
            problems.append(str(error))
    return entries, problems
