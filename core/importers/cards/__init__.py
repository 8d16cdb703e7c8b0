"""Character cards (V1/V2/V3 as JSON, PNG or CHARX) and lorebooks: import and export.

The format is told by content (magic bytes, JSON keys), not by the file name.
Everything a user gives that cannot be read is refused with an
:class:`ImportRefused` naming the file; nothing is ever extracted or written
while reading.
"""

from __future__ import annotations

import stat
from pathlib import Path

from storyai.core.importers.cards import limits
from storyai.core.importers.cards.charx import read_card_json
from storyai.core.importers.cards.export import card_from_character, v2_backfill
from storyai.core.importers.cards.parse import Detected, classify, load_json
from storyai.core.importers.cards.png import PNG_SIGNATURE, decode_chunk, read_card_chunks
from storyai.core.importers.cards.text import describe_start
from storyai.core.importers.cards.to_plan import plan_from_card, plan_from_lorebook
from storyai.core.importers.cards.write import write_card_json, write_card_png
from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.plan import ImportPlan

__all__ = [
    "card_from_character",
    "plan_from_card_file",
    "v2_backfill",
    "write_card_json",
    "write_card_png",
]

_CARD_KINDS = ("card_v1", "card_v2", "card_v3")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_EXTENSIONS = {"PNG": (".png", ".apng"), "CHARX": (".charx", ".zip"), "JSON": (".json",)}


def plan_from_card_file(path: Path) -> ImportPlan:
    """Read a card (JSON/PNG/CHARX) or a standalone lorebook into an ImportPlan."""
    path = Path(path)
    file = path.name or str(path)
    data = _read(path, file)
    if data.startswith(PNG_SIGNATURE):
        container, detected = "PNG", _from_png(data, file)
    elif data[:4] in _ZIP_MAGIC:
        card_json, notes = read_card_json(data, file)
        container, detected = "CHARX", _card(card_json, file, "card.json")
        detected.warnings.extend(notes)
    elif data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[", b'"'):
        container = "JSON"
        detected = classify(load_json(data, file, max_bytes=limits.MAX_LOREBOOK_JSON_BYTES), file)
        if detected.kind in _CARD_KINDS and len(data) > limits.MAX_CARD_JSON_BYTES:
            raise ImportRefused(
                f"{file}: the card JSON is {len(data):,} bytes, over the limit of "
                f"{limits.MAX_CARD_JSON_BYTES:,}"
            )
    else:
        raise ImportRefused(
            f"{file}: not a PNG, JSON or CHARX file (it starts with {describe_start(data)})",
            hint="Character cards are .png, .json or .charx files; lorebooks are .json.",
        )
    suffix = path.suffix.lower()
    if suffix and suffix not in _EXTENSIONS[container]:
        detected.warnings.insert(0, f"{file}: named {suffix} but it is a {container} file")
    if detected.kind in _CARD_KINDS:
        return plan_from_card(detected, str(path), file, container)
    return plan_from_lorebook(detected, str(path), file)


def _read(path: Path, file: str) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ImportRefused(f"{file}: not a file")
        if info.st_size > limits.MAX_FILE_BYTES:
            raise ImportRefused(_too_big(file, info.st_size))
        with path.open("rb") as handle:
            data = handle.read(limits.MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ImportRefused(f"{file}: no such file") from None
    except OSError as exc:
        raise ImportRefused(f"{file}: the file cannot be read ({exc.strerror or exc})") from None
    if len(data) > limits.MAX_FILE_BYTES:
        raise ImportRefused(_too_big(file, len(data)))
    if not data:
        raise ImportRefused(f"{file}: the file is empty")
    return data


def _too_big(file: str, size: int) -> str:
    return f"{file}: {size:,} bytes, over the limit of {limits.MAX_FILE_BYTES:,} for a card"


def _card(data: bytes, file: str, what: str) -> Detected:
    detected = classify(
        load_json(data, file, what=what, max_bytes=limits.MAX_CARD_JSON_BYTES), file
    )
    if detected.kind not in _CARD_KINDS:
        raise ImportRefused(f"{file}: {what} holds a lorebook, not a character card")
    return detected


def _from_png(data: bytes, file: str) -> Detected:
    """The card in a PNG: ``ccv3`` when it reads, else ``chara``."""
    found, broken = read_card_chunks(data, file)
    failure: ImportRefused | None = None
    for keyword in ("ccv3", "chara"):
        if keyword not in found:
            continue
        what = f"the '{keyword}' chunk"
        try:
            detected = _card(decode_chunk(found[keyword], file, keyword), file, what)
        except ImportRefused as exc:
            failure = failure or exc
            continue
        if failure is not None:
            detected.warnings.append(f"{failure.message}; read the '{keyword}' chunk instead")
        elif "ccv3" in broken and keyword == "chara":
            detected.warnings.append(
                f"{file}: the 'ccv3' chunk is unusable ({broken['ccv3']}); "
                "read the 'chara' chunk instead"
            )
        return detected
    if failure is not None:
        raise failure
    if broken:
        keyword, why = next(iter(broken.items()))
        raise ImportRefused(f"{file}: the '{keyword}' card chunk is unusable: {why}")
    raise ImportRefused(
        f"{file}: this PNG has no character card in it",
        hint="A card PNG carries a 'chara' or 'ccv3' text chunk; this is a plain picture.",
    )
