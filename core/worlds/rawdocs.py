"""Imported entries' original documents (``source.raw``), serialized once per install.

A world imported from a big Foundry pack is mostly its raw documents (118 MiB for
10,000 documents). They are plain JSON data as read, so the world's content carries
them by reference (``World.canonical``), each is serialized once (``serialize_raws``),
and that text serves both the content hash and the database, which keeps each
document once, keyed by the hash of its text (a re-import stores only what changed).

``content_hash`` gives exactly the hash of the whole content's compact, sorted JSON,
with or without raw documents.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import pickle
import re
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from pydantic_core import to_jsonable_python

SOURCED_SECTIONS = ("characters", "items", "lore", "locations")
STORED = "$storyai_raw"
"""The stored form of a raw document in a world's content: ``{"$storyai_raw": hash}``."""

RawTexts = dict[int, tuple[str, str]]
"""``id(raw document)`` -> (sha256 of its text, its compact sorted JSON text)."""


def dumps(value: Any, *, finite: bool = False) -> str:
    """Compact JSON with sorted keys. Data that JSON cannot hold as it is (a YAML date,
    a number key, NaN) is written as the world format's JSON mode would.

    The text is the standard library's ``json.dumps`` (hashes stay as they were): orjson
    writes it when it would write the same, which is all but documents with floats that
    ``repr`` writes with an exponent (``1e-05``) or that are not finite (orjson writes
    ``null``), and types orjson does not take as they are. ``finite``: the caller knows
    ``value`` holds no NaN or infinity (read from JSON text by orjson), so they are not
    looked for."""
    fast = _orjson_dumps(value, finite)
    if fast is not None:
        return fast
    try:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError):
        return json.dumps(
            to_jsonable_python(value),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


_ORJSON = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
_EXPONENT = re.compile(rb"[:,\[]-?(?:[0-9]+(?:\.[0-9]+)?e|0\.0000)")
"""A number orjson writes where ``repr`` would use an exponent (below 1e-4, from 1e16)."""
_NON_FINITE = re.compile(rb"G[\x7f\xff][\xf0-\xff]")
"""A pickled float with all exponent bits set: NaN or infinity. Text or an integer that
happens to hold these bytes only sends the document the slow, exact way."""


def _orjson_dumps(value: Any, finite: bool = False) -> str | None:
    try:
        data = orjson.dumps(value, option=_ORJSON)
    except TypeError:  # an integer over 64 bits, a number key, a date ...: the slow way
        return None
    if _exponent_written(data):
        return None
    if not finite and b"null" in data and _NON_FINITE.search(_pickled(value)):
        return None  # NaN and infinity become null in orjson: there may be some
    return data.decode()


def _exponent_written(data: bytes) -> bool:
    """Whether orjson's ``data`` may differ from ``json.dumps``'s text. With an orjson that
    writes floats as ``repr`` does except below 1e-4 (checked once: ``0.00001``
    for ``1e-05``, ``1e-7`` for ``1e-07``), two quick searches clear most documents: one
    holding neither ``e-`` and one digit nor ``0.0000`` holds no such float."""
    if (
        _floats_as_repr_but_small()
        and _SMALL_EXPONENT.search(data) is None
        and b"0.0000" not in data
    ):
        return False
    return _exponent_marked(data)


_SMALL_EXPONENT = re.compile(rb"e-[0-9](?![0-9])")
"""Where orjson may write a one-digit negative exponent (``repr`` writes two digits);
starts with a literal, so the search runs at the speed of a byte search."""


@functools.cache
def _floats_as_repr_but_small() -> bool:
    """Whether this orjson writes every float as ``repr`` (``json.dumps``) does, except
    ones below 1e-4, written ``0.0000...`` or with a one-digit negative exponent. Probed
    across every decimal exponent, once; any other difference turns the quick check off."""
    for exponent in range(-324, 309):
        for mantissa in (1.0, 1.5, 2.2250738585072014, 4.9406564584124654, 9.999999999999998):
            for sign in (1.0, -1.0):
                try:
                    value = sign * mantissa * 10.0**exponent
                except OverflowError:
                    continue
                if not math.isfinite(value):
                    continue
                mine, theirs = orjson.dumps(value), repr(value).encode()
                if mine == theirs:
                    continue
                if abs(value) >= 1e-4 or not (
                    b"0.0000" in mine or _SMALL_EXPONENT.search(mine) is not None
                ):
                    return False
    return True


def _exponent_marked(data: bytes) -> bool:
    """Whether a number in orjson's ``data`` is one ``repr`` writes with an exponent. Only
    where a digit is followed by an exponent (``1e+16``) or ``0.0000`` is written is the
    number around it read (text holds such marks too: an id ``a3e4``)."""
    marks = data.translate(_NUMBER_MARKS)
    for pattern, where in ((b"0e-", marks), (b"0e0", marks), (b"0.0000", data)):
        at = where.find(pattern)
        while at >= 0:
            start = at
            while start > 0 and data[start - 1] in _DIGITS_AND_POINT:
                start -= 1
            if start > 1 and data[start - 1] == 0x2D:  # a minus sign
                start -= 1
            if start > 0 and _EXPONENT.match(data, start - 1):
                return True
            at = where.find(pattern, at + 1)
    return False


_DIGITS_AND_POINT = frozenset(b"0123456789.")


def _pickled(value: Any) -> bytes:
    """``value`` pickled, where every float is ``G`` and its 8 bytes, sign and exponent
    first. Without the memo (``fast``): orjson wrote it, so it holds no cycles."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=5)
    pickler.fast = True
    pickler.dump(value)
    return out.getvalue()


_NUMBER_MARKS = bytes(
    0x30 if 0x30 <= b <= 0x39 else b if b == 0x65 else 0x2D if b in (0x2B, 0x2D) else 0x20
    for b in range(256)
)
"""Digits as ``0``, ``e`` as itself, signs as ``-``: ``0e-`` marks an exponent."""


def sources(content: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every entry's ``source`` mapping that holds a raw document."""
    for section in SOURCED_SECTIONS:
        entries = content.get(section)
        if not isinstance(entries, dict):
            continue
        for entry in entries.values():
            source = entry.get("source") if isinstance(entry, dict) else None
            if isinstance(source, dict) and isinstance(source.get("raw"), dict):
                yield source


def serialize_raws(content: dict[str, Any], *, finite: bool = False) -> RawTexts:
    """Each raw document's text and hash, once per document object. ``finite``: the caller
    knows no raw document holds NaN or infinity (read from JSON text by orjson), so
    they are not looked for."""
    texts: RawTexts = {}
    for source in sources(content):
        raw = source["raw"]
        if id(raw) not in texts:
            text = dumps(raw, finite=finite)
            texts[id(raw)] = (hashlib.sha256(text.encode()).hexdigest(), text)
    return texts


def replace_raws(content: dict[str, Any], replace: Callable[[dict[str, Any]], Any]) -> dict:
    """A copy of ``content`` with each raw document replaced by ``replace(raw)``; only
    the mappings on the way to a raw document are copied."""
    out = dict(content)
    for section in SOURCED_SECTIONS:
        entries = content.get(section)
        if not isinstance(entries, dict):
            continue
        copied = {}
        for key, entry in entries.items():
            source = entry.get("source") if isinstance(entry, dict) else None
            if isinstance(source, dict) and isinstance(source.get("raw"), dict):
                entry = {**entry, "source": {**source, "raw": replace(source["raw"])}}
            copied[key] = entry
        out[section] = copied
    return out


def content_hash(content: dict[str, Any], raws: RawTexts | None = None) -> str:
    """sha256 of ``dumps(content)``, reusing the raw documents' texts (``raws``) instead of
    serializing them again."""
    raws = serialize_raws(content) if raws is None else raws
    if not raws:
        return hashlib.sha256(dumps(content).encode()).hexdigest()
    return stored_form(content, raws)[1]


def stored_form(content: dict[str, Any], raws: RawTexts) -> tuple[str, str]:
    """(``content`` as the database keeps it, each raw document as ``{"$storyai_raw":
    hash}``, in compact sorted JSON; ``content_hash(content)``), both from one
    serialization of the content without its raw documents."""
    nonce = secrets.token_hex(8)
    skeleton = dumps(replace_raws(content, lambda raw: f"\x00{nonce}:{id(raw)}\x00"))
    pieces = re.split(rf'"\\u0000{nonce}:(\d+)\\u0000"', skeleton)
    digest = hashlib.sha256()
    for index, piece in enumerate(pieces):
        if index % 2:
            found, text = raws[int(piece)]
            digest.update(text.encode())
            pieces[index] = f'{{"{STORED}":"{found}"}}'
        else:
            digest.update(piece.encode())
    return "".join(pieces), digest.hexdigest()


def stored_hash(raw: Any) -> str | None:
    """The hash a stored world keeps in place of a raw document, else ``None``."""
    if isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get(STORED), str):
        return str(raw[STORED])
    return None
