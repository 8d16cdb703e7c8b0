"""PNG character cards: find the ``ccv3``/``chara`` tEXt chunks, and write them.

Reading walks the chunk list without decoding any image data. Only the card
chunks are checksum-checked; other chunks (even garbage ones) are skipped as
long as their lengths hold together.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib

from storyai.core.importers.cards import limits
from storyai.core.importers.errors import ImportRefused

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CARD_KEYWORDS = ("ccv3", "chara")
"""The tEXt keywords of a card: V3 JSON and the V2 (backfill) JSON, both base64."""
_TEXT_TYPES = (b"tEXt", b"iTXt", b"zTXt")


def _chunk_name(ctype: bytes) -> str:
    if all(65 <= b <= 90 or 97 <= b <= 122 for b in ctype):
        return repr(ctype.decode("ascii"))
    return "0x" + ctype.hex()


def read_card_chunks(data: bytes, file: str) -> tuple[dict[str, bytes], dict[str, str]]:
    """The card chunks' values (keyword -> base64 text) and the card chunks that were
    found but broken (keyword -> why). Refuses a PNG whose chunk list is cut or corrupt."""
    if not data.startswith(PNG_SIGNATURE):
        raise ImportRefused(f"{file}: not a PNG file")
    found: dict[str, bytes] = {}
    broken: dict[str, str] = {}
    pos, count, size = len(PNG_SIGNATURE), 0, len(data)
    while True:
        if pos == size:
            raise ImportRefused(
                f"{file}: the PNG ends without its end chunk (IEND): the file was cut short"
            )
        if size - pos < 12:
            raise ImportRefused(
                f"{file}: the PNG ends in the middle of a chunk at byte {pos}: "
                "the file was cut short"
            )
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > size:
            raise ImportRefused(
                f"{file}: a PNG chunk ({_chunk_name(ctype)} at byte {pos}) claims "
                f"{length:,} bytes, past the end of the file (truncated or corrupt)"
            )
        if ctype == b"IEND":
            return found, broken
        if ctype == b"tEXt":
            _read_text(data, pos, length, found, broken)
        count += 1
        if count > limits.MAX_PNG_CHUNKS:
            raise ImportRefused(f"{file}: the PNG has more than {limits.MAX_PNG_CHUNKS:,} chunks")
        pos = end


def _read_text(
    data: bytes, pos: int, length: int, found: dict[str, bytes], broken: dict[str, str]
) -> None:
    body = data[pos + 8 : pos + 8 + length]
    sep = body.find(b"\0")
    if not 0 < sep <= 79:
        return
    keyword = body[:sep].decode("latin-1").lower()
    if keyword not in CARD_KEYWORDS or keyword in found:
        return
    (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
    if zlib.crc32(b"tEXt" + body) != crc:
        broken.setdefault(keyword, "its checksum (CRC) is wrong, so the file is corrupt")
        return
    found[keyword] = body[sep + 1 :]
    broken.pop(keyword, None)


def decode_chunk(value: bytes, file: str, keyword: str) -> bytes:
    """The JSON bytes inside a card chunk (base64 of UTF-8 JSON)."""
    compact = b"".join(value.split())
    if len(compact) > limits.MAX_CARD_JSON_BYTES * 4 // 3 + 8:
        raise ImportRefused(
            f"{file}: the '{keyword}' chunk is {len(compact):,} bytes, over the card size limit"
        )
    compact += b"=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ImportRefused(
            f"{file}: the '{keyword}' chunk is not valid base64, so the card cannot be read"
        ) from None


# ------------------------------------------------------------------- writing


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """(type, body) pairs of a well-formed PNG; ValueError otherwise."""
    if not png.startswith(PNG_SIGNATURE):
        raise ValueError("the image is not a PNG")
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos + 12 <= len(png):
        length, ctype = struct.unpack(">I4s", png[pos : pos + 8])
        end = pos + 12 + length
        if end > len(png):
            raise ValueError("the PNG image is truncated")
        chunks.append((ctype, png[pos + 8 : pos + 8 + length]))
        pos = end
        if ctype == b"IEND":
            return chunks
    raise ValueError("the PNG image has no end chunk (IEND)")


def embed_text(png: bytes, texts: dict[str, str]) -> bytes:
    """``png`` with tEXt chunks ``texts`` (ASCII), replacing any card chunks it had."""
    kept = []
    for ctype, body in _chunks(png):
        if ctype in _TEXT_TYPES:
            keyword = body.split(b"\0", 1)[0].decode("latin-1").lower()
            if keyword in CARD_KEYWORDS or keyword in texts:
                continue
        if ctype == b"IEND":
            for keyword, value in texts.items():
                kept.append(_chunk(b"tEXt", keyword.encode("latin-1") + b"\0" + value.encode()))
        kept.append(_chunk(ctype, body))
    return PNG_SIGNATURE + b"".join(kept)


def placeholder_png(size: int = 256, rgb: tuple[int, int, int] = (72, 61, 139)) -> bytes:
    """A plain one-colour RGB PNG, for a card that has no picture."""
    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * size, 9))
        + _chunk(b"IEND", b"")
    )
