"""A card's fields as the world's Character (and the scene it is met in).

Mapping: name (plain text: HTML removed), description, personality; ``voice``
<- ``mes_example`` (cut to 2,000 characters); ``dialogue.greeting`` <-
``first_mes``; ``dialogue.lines`` <- ``alternate_greetings`` (each up to 2,000
characters); tags. V3 ``group_only_greetings`` are for group chats only: they
stay in the card (raw) and go back out on export, but are not lines.
``scenario`` becomes the description of the location the character is met
in, not the backstory (the backstory stays empty). ``{{char}}`` is filled in
with the name (or V3 ``nickname``); ``{{user}}`` becomes "you" everywhere
(see :func:`expand_macros`). Export uses the same views to tell which fields
were edited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storyai.core.importers.cards import limits
from storyai.core.importers.cards.text import (
    as_text,
    as_text_list,
    clip,
    expand_macros,
    plain_text,
    sanitize_html,
)

V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")
VERSION_LABELS = {
    "card_v1": "Character Card V1",
    "card_v2": "Character Card V2",
    "card_v3": "Character Card V3",
}


def card_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """The dict holding a card's fields: ``data`` for V2/V3, the card itself for V1."""
    data = doc.get("data")
    return data if isinstance(data, dict) and "spec" in doc else doc


@dataclass
class CharacterView:
    data: dict[str, Any]
    """Character fields (no ``source``)."""
    scenario: str
    creator: str
    notes: list[str] = field(default_factory=list)


def card_name(fields: dict[str, Any]) -> str:
    """The card's name as plain text (no HTML), on one line, capped."""
    return plain_text(as_text(fields.get("name")) or "")[0][: limits.NAME_MAX]


def macro_name(fields: dict[str, Any]) -> str:
    """What ``{{char}}`` stands for: the V3 nickname, else the name (plain text)."""
    nickname = plain_text(as_text(fields.get("nickname")) or "")[0][: limits.NAME_MAX]
    return nickname or card_name(fields)


def clean_text(
    value: Any, *, char: str, limit: int, what: str, notes: list[str] | None = None
) -> str:
    """One text field as world text: HTML made safe, macros filled in, capped."""
    notes = [] if notes is None else notes
    text = as_text(value)
    if text is None:
        notes.append(f"'{what}' is not text, so it was left out")
        return ""
    text, html = sanitize_html(text)
    if html:
        notes.append(f"removed scripts, styles or event handlers from '{what}'")
    text = expand_macros(text, char=char).strip()
    text, cut = clip(text, limit)
    if cut:
        notes.append(f"'{what}' was cut to {limit:,} characters (the card keeps it all)")
    return text


def line_view(value: Any, char: str) -> str | None:
    """An alternate greeting as a line said in passing; ``None`` if empty or too long."""
    text = clean_text(value, char=char, limit=limits.TEXT_MAX, what="greeting")
    if not text or len(text) > limits.LINE_MAX:
        return None
    return text


def tag_view(value: str) -> str | None:
    tag = " ".join(value.split())[:60]
    return tag or None


def character_view(fields: dict[str, Any], fallback_name: str) -> CharacterView:
    """The Character a card's fields import as."""
    notes: list[str] = []
    name = card_name(fields)
    if plain_text(as_text(fields.get("name")) or "")[1]:
        notes.append("removed HTML from the name (names are plain text)")
    if not name:
        name = fallback_name[: limits.NAME_MAX] or "Unnamed"
        notes.append(f"the card has no name, so it is called {name!r}")
    char = macro_name(fields) or name
    shared = {"char": char, "notes": notes}
    voice = clean_text(
        fields.get("mes_example"), limit=limits.TEXT_MAX, what="mes_example", **shared
    )
    if len(voice) > limits.VOICE_MAX:
        notes.append(
            f"the example dialogue (mes_example) is {len(voice):,} characters; the voice keeps "
            f"the first {limits.VOICE_MAX:,} (the card keeps it all)"
        )
        voice = clip(voice, limits.VOICE_MAX)[0]
    greetings = as_text_list(fields.get("alternate_greetings")) or []
    lines, left_out = [], 0
    for greeting in greetings:
        line = line_view(greeting, char)
        if line is None:
            left_out += bool(greeting.strip())
        elif line not in lines:
            lines.append(line)
    if left_out:
        notes.append(
            f"{left_out} alternate greeting(s) longer than {limits.LINE_MAX:,} characters "
            "were not used as lines (the card keeps them)"
        )
    tags = []
    for tag in as_text_list(fields.get("tags")) or []:
        if (clean := tag_view(tag)) and clean not in tags:
            tags.append(clean)
    data = {
        "name": name,
        "kind": "npc",
        "description": clean_text(
            fields.get("description"), limit=limits.TEXT_MAX, what="description", **shared
        ),
        "personality": clean_text(
            fields.get("personality"), limit=limits.TEXT_MAX, what="personality", **shared
        ),
        "voice": voice,
        "dialogue": {
            "greeting": clean_text(
                fields.get("first_mes"), limit=limits.TEXT_MAX, what="first_mes", **shared
            ),
            "lines": lines,
        },
        "tags": tags,
    }
    scenario = clean_text(fields.get("scenario"), limit=limits.TEXT_MAX, what="scenario", **shared)
    creator = " ".join((as_text(fields.get("creator")) or "").split())
    return CharacterView(data, scenario, creator, notes)


def location_view(view: CharacterView, character_id: str) -> tuple[dict[str, Any], str]:
    """The place a card's character is met: its scenario, or a plain meeting place.
    Returns (Location fields without source, entry kind)."""
    name = view.data["name"]
    if view.scenario:
        title = f"Scenario: {name}"[: limits.NAME_MAX]
        return {
            "name": title,
            "description": view.scenario,
            "characters": [character_id],
            "tags": ["scenario"],
        }, "scenario"
    return {
        "name": f"Meeting {name}"[: limits.NAME_MAX],
        "description": f"A quiet place where you meet {name}.",
        "characters": [character_id],
        "tags": ["meeting place"],
    }, "meeting place"
