"""Wording shared by the validation passes."""

from __future__ import annotations

from pydantic_core import ErrorDetails


def friendly(err: ErrorDetails) -> str:
    """A pydantic error message, worded for authors."""
    msg = err["msg"]
    msg = msg.replace("Value error, ", "").replace("Input should be", "must be")
    msg = msg.replace("String should", "text should").replace("List should", "the list should")
    return msg
