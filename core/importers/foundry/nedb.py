"""NeDB packs and world databases (Foundry up to v10): one JSON document per line.

NeDB appends: a later line with the same ``_id`` replaces the earlier one and
``{"$$deleted": true, "_id": ...}`` removes it. Bad lines are skipped one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.foundry.limits import BadDocument, loads_json_finite, read_limited
from storyai.core.importers.plan import Skipped

_BINARY_STARTS = {
    b"SQLite format 3\x00": "an SQLite database",
    b"\x89PNG": "a PNG image",
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "a gzip archive",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
}


@dataclass
class NedbPack:
    """The live documents of one NeDB file, in file order, with their line numbers."""

    docs: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    finite: bool = True
    """Every line was read by orjson, so no document holds NaN or infinity."""


def read_nedb(path: Path, label: str) -> NedbPack:
    """Read an NeDB file; ``label`` names it in reports (``packs/heroes.db``).

    Raises :class:`ImportRefused` when the file is not NeDB at all (binary,
    no line is a JSON document) or is empty.
    """
    raw = read_limited(path, label)
    what = binary_kind(raw[:4096])
    if what:
        raise ImportRefused(f"{label}: not an NeDB pack ({what})")
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    pack = NedbPack()
    live: dict[Any, tuple[int, dict[str, Any]]] = {}
    parsed = 0
    for number, line in enumerate(raw.split(b"\n"), 1):
        # A document's line is parsed as the bytes it is (the parser checks the UTF-8);
        # anything else is read as text first, as a whole line, so blank lines of any
        # whitespace are skipped and odd ones get the same reasons as ever.
        text: str | bytes = line if line.lstrip()[:1] == b"{" else _text(line)
        if not text.strip():
            continue
        try:
            doc, finite = loads_json_finite(text)
        except BadDocument as exc:
            pack.skipped.append(Skipped(f"{label}:{number}", exc.reason))
            continue
        if not isinstance(doc, dict):
            pack.skipped.append(Skipped(f"{label}:{number}", "not a JSON object"))
            continue
        parsed += 1
        pack.finite = pack.finite and finite
        if doc.get("$$deleted") is True:
            live.pop(_key(doc.get("_id"), number), None)
            continue
        if "$$" in "\x00".join(doc) and any(k.startswith("$$") for k in doc):
            continue  # $$indexCreated / $$indexRemoved bookkeeping lines
        live[_key(doc.get("_id"), number)] = (number, doc)
    if not parsed:
        reason = "no line is a JSON document" if pack.skipped else "it is empty"
        raise ImportRefused(f"{label}: not an NeDB pack ({reason})")
    pack.docs = list(live.values())
    return pack


_BOM = b"\xef\xbb\xbf"


def _text(line: bytes) -> str | bytes:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line  # reported as not UTF-8 when it holds JSON at all


def _key(doc_id: Any, number: int) -> Any:
    return doc_id if isinstance(doc_id, (str, int)) else ("line", number)


def binary_kind(head: bytes) -> str:
    for start, what in _BINARY_STARTS.items():
        if head.startswith(start):
            return what
    if b"\x00" in head:
        return "binary data"
    return ""


def looks_like_nedb(path: Path) -> bool:
    """Whether the file's first non-blank line is a JSON object (a cheap sniff)."""
    try:
        with path.open("rb") as handle:
            for _ in range(50):
                line = handle.readline(1 << 20)
                if not line:
                    return False
                stripped = line.strip()
                if stripped:
                    return stripped.startswith(b"{")
    except OSError:
        return False
    return False
