"""CHARX cards: a zip with ``card.json`` at its root, read in memory, never extracted.

The whole file is refused when any entry name could escape a folder
(zip-slip), when it is encrypted, has too many entries, or looks like a zip
bomb (by the sizes it declares and by what actually comes out while reading).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from storyai.core.importers.cards import limits
from storyai.core.importers.errors import ImportRefused

CARD_NAME = "card.json"
_READ_SIZE = 64 * 1024


def _unsafe_name(name: str) -> str | None:
    """Why an entry name is unsafe, or ``None``."""
    if "\\" in name:
        return "a backslash"
    if name.startswith("/"):
        return "an absolute path"
    parts = name.split("/")
    if ":" in parts[0]:
        return "a drive letter or scheme"
    if any(part == ".." for part in parts):
        return "'..'"
    if "\0" in name:
        return "a NUL byte"
    return None


def read_card_json(data: bytes, file: str) -> tuple[bytes, list[str]]:
    """The bytes of ``card.json``, and notes for the report."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, struct.error):
        raise ImportRefused(f"{file}: not a valid zip (CHARX) file") from None
    except NotImplementedError as exc:  # e.g. a zip version or multi-disk archive we can't read
        raise ImportRefused(f"{file}: a zip (CHARX) file this reader cannot open ({exc})") from None
    _check_entries(infos, file)
    card = next((info for info in infos if info.filename == CARD_NAME), None)
    if card is None:
        raise ImportRefused(
            f"{file}: a zip file without {CARD_NAME} at its top, so not a CHARX character card"
        )
    if card.file_size > limits.MAX_CARD_JSON_BYTES:
        raise ImportRefused(
            f"{file}: {CARD_NAME} is {card.file_size:,} bytes, over the limit of "
            f"{limits.MAX_CARD_JSON_BYTES:,}"
        )
    content = _read_capped(archive, card, file)
    assets = sum(1 for info in infos if not info.is_dir() and info.filename.startswith("assets/"))
    notes = []
    if assets:
        notes.append(
            f"{file}: {assets} embedded asset(s) (pictures, sounds) stay in the .charx; "
            "only the card was imported"
        )
    return content, notes


def _check_entries(infos: list[zipfile.ZipInfo], file: str) -> None:
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise ImportRefused(
            f"{file}: the zip has {len(infos):,} entries, over the limit of "
            f"{limits.MAX_ZIP_ENTRIES:,}"
        )
    total = 0
    for info in infos:
        why = _unsafe_name(info.filename)
        if why is not None:
            raise ImportRefused(
                f"{file}: unsafe entry name {info.filename[:80]!r} ({why}); "
                "the whole file was refused",
                hint="Zip entries that point outside their folder are a known attack (zip-slip).",
            )
        if info.flag_bits & 0x1:
            raise ImportRefused(f"{file}: the zip is encrypted ({info.filename[:80]!r})")
        if _looks_like_bomb(info.file_size, info.compress_size):
            raise ImportRefused(
                f"{file}: {info.filename[:80]!r} would inflate from {info.compress_size:,} to "
                f"{info.file_size:,} bytes; this looks like a zip bomb and was refused"
            )
        total += info.file_size
    if total > limits.MAX_ZIP_UNCOMPRESSED_BYTES:
        raise ImportRefused(
            f"{file}: the zip would unpack to {total:,} bytes, over the limit of "
            f"{limits.MAX_ZIP_UNCOMPRESSED_BYTES:,}"
        )


def _looks_like_bomb(size: int, compressed: int) -> bool:
    ratio = limits.MAX_COMPRESSION_RATIO
    return size > limits.RATIO_MIN_BYTES and size > max(compressed, 1) * ratio


def _read_capped(archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str) -> bytes:
    """Read one entry, checking the size and inflation of what actually comes out."""
    out = bytearray()
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_READ_SIZE):
                out += chunk
                if len(out) > limits.MAX_CARD_JSON_BYTES:
                    raise ImportRefused(
                        f"{file}: {info.filename} inflates past the limit of "
                        f"{limits.MAX_CARD_JSON_BYTES:,} bytes (its header understated its size)"
                    )
                if _looks_like_bomb(len(out), info.compress_size):
                    raise ImportRefused(
                        f"{file}: {info.filename} inflates far beyond its compressed size; "
                        "this looks like a zip bomb and was refused"
                    )
    except ImportRefused:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, struct.error) as exc:
        raise ImportRefused(f"{file}: {info.filename} is corrupt in the zip ({exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # unsupported compression, encryption
        raise ImportRefused(f"{file}: {info.filename} cannot be unpacked ({exc})") from None
    return bytes(out)
