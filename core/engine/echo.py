"""What the engine repeats back of a player's words: at most ``ECHO`` characters, so a
long input is never told back in full (a 1,000-character action is quoted as its
first words and "…")."""

from __future__ import annotations

ECHO = 60


def echo(text: str, limit: int = ECHO) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
