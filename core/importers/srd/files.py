"""Reading the SRD's JSON files, refusing anything that is not a list of records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.srd.manifest import PinnedFile

MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest SRD file is about 1.3 MB; anything past this is not an SRD file."""

HINT = "The SRD data is damaged or incomplete: download it again, or use --from PATH with a copy."


def load_records(root: Path, pinned: PinnedFile) -> list[dict[str, Any]]:
    """The records of one SRD file under ``root`` (laid out like ``../shared/srd_data``).

    Raises:
        ImportRefused: The file is missing, unreadable, too big, not JSON, or not a list
            of objects. The message names the file.
    """
    path = root / pinned.upstream.folder / pinned.path
    label = pinned.label
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportRefused(
            f"{label}: missing (expected every {pinned.upstream.folder} file the SRD "
            f"{pinned.upstream.edition} needs in {path.parent})",
            hint=HINT,
        ) from None
    except OSError as exc:
        raise ImportRefused(f"{label}: cannot be read ({_reason(exc)})", hint=HINT) from None
    if size > MAX_FILE_BYTES:
        raise ImportRefused(
            f"{label}: too large to be an SRD file ({size:,} bytes; the limit is "
            f"{MAX_FILE_BYTES:,})",
            hint=HINT,
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportRefused(f"{label}: cannot be read ({_reason(exc)})", hint=HINT) from None
    return parse_records(raw, label)


def parse_records(raw: bytes, label: str) -> list[dict[str, Any]]:
    """Parse one file's bytes; see :func:`load_records`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            f"{label}: not UTF-8 text (bad byte at position {exc.start})", hint=HINT
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = "it ends too early (truncated?)" if exc.pos >= len(text.rstrip()) else exc.msg
        raise ImportRefused(
            f"{label}: not valid JSON: {problem} at line {exc.lineno}, column {exc.colno}",
            hint=HINT,
        ) from None
    except RecursionError:
        raise ImportRefused(f"{label}: not valid JSON: nested too deeply", hint=HINT) from None
    if not isinstance(data, list):
        raise ImportRefused(
            f"{label}: expected a JSON list of records, found {_json_kind(data)}", hint=HINT
        )
    bad = sum(1 for record in data if not isinstance(record, dict))
    if bad:
        raise ImportRefused(
            f"{label}: expected a JSON list of records, but {bad} of {len(data)} items "
            "are not objects",
            hint=HINT,
        )
    return data


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
