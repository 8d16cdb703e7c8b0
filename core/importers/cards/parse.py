"""Safe JSON reading and telling cards from lorebooks by their keys.

Every problem becomes an :class:`ImportRefused` that names the file: bad
UTF-8, bad JSON, nesting too deep, JSON that is neither a card nor a lorebook.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from storyai.core.importers.cards import limits
from storyai.core.importers.errors import ImportRefused

DocKind = Literal["card_v1", "card_v2", "card_v3", "lorebook_v3", "character_book", "worldinfo"]

EXPECTED_KEYS = (
    "expected a character card ('spec': 'chara_card_v2' or 'chara_card_v3' with 'data', "
    "or V1 fields 'name' and 'first_mes'), a lorebook ('spec': 'lorebook_v3'), "
    "or SillyTavern World Info (an 'entries' map or list)"
)


@dataclass
class Detected:
    """A parsed document and what it is."""

    kind: DocKind
    doc: dict[str, Any]
    """The whole JSON document as read."""
    warnings: list[str]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


def load_json(data: bytes, file: str, *, what: str = "", max_bytes: int) -> Any:
    """Parse JSON bytes (UTF-8, optional BOM). ``what`` names the part of the file
    (``"the 'ccv3' chunk"``) for messages."""
    subject = what or "the file"
    json_in = f"the JSON in {what}" if what else "the JSON"
    if len(data) > max_bytes:
        raise ImportRefused(
            f"{file}: {json_in} is {len(data):,} bytes, over the limit of {max_bytes:,}",
            hint="Very large cards are refused to keep imports safe.",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"{file}: {subject} is not valid UTF-8 text (bad byte at position {exc.start})"
        ) from None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ImportRefused(f"{file}: {json_in} is nested too deeply to read") from None
    except ValueError as exc:  # JSONDecodeError, huge integers, NaN
        raise ImportRefused(f"{file}: {subject} is not valid JSON ({_short(exc)})") from None
    depth = _depth(value)
    if depth > limits.MAX_JSON_DEPTH:
        raise ImportRefused(
            f"{file}: {json_in} is nested {depth} levels deep, over the limit of "
            f"{limits.MAX_JSON_DEPTH}"
        )
    return value


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:117] + "..."


def _depth(value: Any) -> int:
    """How deeply lists and maps nest (iterative: never a RecursionError)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > limits.MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def classify(doc: Any, file: str) -> Detected:
    """What a parsed JSON document is, by its keys; refuse anything else."""
    if not isinstance(doc, dict):
        kind = "a list" if isinstance(doc, list) else f"a {type(doc).__name__}"
        raise ImportRefused(
            f"{file}: the JSON is {kind}, not a character card or lorebook", hint=EXPECTED_KEYS
        )
    warnings: list[str] = []
    spec = doc.get("spec")
    if isinstance(spec, str) and spec.startswith("chara_card_v"):
        if not isinstance(doc.get("data"), dict):
            raise ImportRefused(
                f"{file}: a '{spec}' card without a 'data' object", hint=EXPECTED_KEYS
            )
        if spec == "chara_card_v2":
            return Detected("card_v2", doc, warnings)
        if spec != "chara_card_v3":
            warnings.append(f"{file}: unknown card spec '{spec}'; read as Character Card V3")
        _warn_newer(doc.get("spec_version"), 3.0, file, warnings)
        return Detected("card_v3", doc, warnings)
    if spec == "lorebook_v3":
        if not isinstance(doc.get("data"), dict):
            raise ImportRefused(f"{file}: a 'lorebook_v3' without a 'data' object")
        return Detected("lorebook_v3", doc, warnings)
    if spec is not None:
        raise ImportRefused(f"{file}: unknown 'spec' value {str(spec)[:60]!r}", hint=EXPECTED_KEYS)
    if "lorebookVersion" in doc:
        raise ImportRefused(
            f"{file}: a NovelAI lorebook; those are not supported yet",
            hint="Export it from SillyTavern as World Info JSON and import that.",
        )
    entries = doc.get("entries")
    if isinstance(entries, dict):
        return Detected("worldinfo", doc, warnings)
    if isinstance(entries, list):
        st_like = any(isinstance(e, dict) and ("key" in e or "uid" in e) for e in entries)
        return Detected("worldinfo" if st_like else "character_book", doc, warnings)
    if "name" in doc and any(k in doc for k in ("first_mes", "description", "personality")):
        return Detected("card_v1", doc, warnings)
    keys = ", ".join(repr(k) for k in list(doc)[:8]) or "none"
    raise ImportRefused(
        f"{file}: valid JSON but not a character card or lorebook (its keys: {keys})",
        hint=EXPECTED_KEYS,
    )


def _warn_newer(version: Any, known: float, file: str, warnings: list[str]) -> None:
    try:
        number = float(version)
    except (TypeError, ValueError, OverflowError):
        return
    if number > known:
        warnings.append(
            f"{file}: made for card spec {version}, newer than {known}; new features may be lost"
        )
