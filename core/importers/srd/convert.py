"""Converting records one by one: a record that cannot be read is skipped and reported."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from storyai.core.importers.srd.entries import Draft, SrdRead

RECORD_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, ArithmeticError)
"""What a record of an unexpected shape raises (``ValidationError`` is a ``ValueError``)."""


def convert_all(
    result: SrdRead,
    label: str,
    records: Iterable[dict[str, Any]],
    build: Callable[[dict[str, Any]], Draft],
) -> list[Draft]:
    """``build`` each record; records it fails on are left out with one warning per file."""
    drafts: list[Draft] = []
    failed: list[str] = []
    for record in records:
        try:
            drafts.append(build(record))
        except RECORD_ERRORS as exc:
            failed.append(f"{record_name(record)} ({why(exc)})")
    if failed:
        shown = "; ".join(failed[:5]) + (f"; and {len(failed) - 5} more" if len(failed) > 5 else "")
        result.warn(f"{label}: left out {len(failed)} record(s) that could not be read: {shown}")
    return drafts


def record_name(record: Any) -> str:
    if isinstance(record, dict):
        fields = record.get("fields") if isinstance(record.get("fields"), dict) else record
        for key in ("name", "index"):
            if isinstance(fields.get(key), str):
                return repr(fields[key][:80])
        for key in ("pk", "_pk"):
            if isinstance(record.get(key), str | int):
                return repr(record[key])
    return "a record"


def why(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"no {exc.args[0]!r} field" if exc.args else "a field is missing"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return f"{where}: {first.get('msg', 'invalid')}" if where else first.get("msg", "invalid")
    return str(exc)[:200] or type(exc).__name__
