"""Our game data in a card: ``data.extensions.storyai``.

Card fields hold a character's name, description, personality, voice
(``mes_example``), greeting and lines and tags; what only our world format
knows goes into the ``storyai`` extension so a character survives a round
trip through a card:

- ``character_id``: the id it had in its world;
- ``kind`` (``npc``/``creature``) and ``attitude``;
- ``stats``: the stat block, as written in the world;
- ``goals`` and ``gold``;
- ``farewell`` and ``topics``: dialogue topics, each only its ``text`` and
  ``keywords`` (their conditions, effects and revealed lore point at world
  state the card does not carry);
- ``inventory_not_carried``: how many inventory items were left out (items
  live in the world, not in the card).

Never written, since cards are shared: ``secrets`` and anything else GM-only
(topic conditions and revealed lore, ``on_defeat`` effects, ``base``). Tags
and voice are not repeated here: the card's ``tags`` and ``mes_example`` carry
them (a new card's description carries the backstory).
Keys are written only when they differ from the world's defaults; keys we do
not own (an imported card's, or a newer version's) are kept as they were.

On import nothing here is trusted: each field is validated with the world's
models (``stats`` as a d20 :class:`D20StatBlock`), text is cleaned like the
card's own fields, and a field that does not validate is left out with a
warning naming it. A card without the extension imports as it always did.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from storyai.core.domain.stats import D20StatBlock
from storyai.core.domain.world import Character, Dialogue, Topic
from storyai.core.importers.cards import limits
from storyai.core.importers.cards.characters import clean_text

KEY = "storyai"
OWNED = (
    "character_id",
    "kind",
    "attitude",
    "stats",
    "goals",
    "gold",
    "farewell",
    "topics",
    "inventory_not_carried",
)
TOPIC_KEYS = ("text", "keywords")


def export_extension(
    character: Character, character_id: str, existing: Any, *, always: bool
) -> dict[str, Any] | None:
    """The ``storyai`` extension for ``character``: ``existing`` (an imported card's)
    with our keys rewritten and any other key kept; ``None`` when there is nothing
    to say and ``always`` is false (an untouched foreign card gets no extension)."""
    base = copy.deepcopy(existing) if isinstance(existing, dict) else {}
    for key in OWNED:
        base.pop(key, None)
    ours: dict[str, Any] = {}
    if character.kind != "npc":
        ours["kind"] = character.kind
    if character.attitude != "neutral":
        ours["attitude"] = character.attitude
    if character.stats is not None:
        ours["stats"] = copy.deepcopy(character.stats)
    if character.goals:
        ours["goals"] = list(character.goals)
    if character.gold:
        ours["gold"] = character.gold
    if character.dialogue.farewell:
        ours["farewell"] = character.dialogue.farewell
    if character.dialogue.topics:
        ours["topics"] = {
            topic_id: topic.model_dump(include=set(TOPIC_KEYS))
            for topic_id, topic in character.dialogue.topics.items()
        }
    if character.inventory:
        ours["inventory_not_carried"] = len(character.inventory)
    if not (ours or base or isinstance(existing, dict) or always):
        return None
    return {"character_id": character_id, **ours, **base}


def restore_extension(ext: Any, name: str, file: str) -> tuple[dict[str, Any], list[str]]:
    """Character fields from a card's ``storyai`` extension, and warnings for what
    was left out. ``dialogue`` holds only ``farewell``/``topics`` (merge it in)."""
    out: dict[str, Any] = {}
    warnings: list[str] = []
    if ext is None:
        return out, warnings
    where = f"{file}: extensions.storyai"
    if not isinstance(ext, dict):
        return out, [f"{where} is not an object, so it was ignored"]

    def bad(field: str, why: str = "is not valid for this world") -> None:
        warnings.append(f"{where}.{field} {why}, so it was left out")

    for field in ("kind", "attitude", "gold"):
        if field in ext:
            if _valid(field, ext[field]):
                out[field] = ext[field]
            else:
                bad(field)
    if "stats" in ext:
        try:
            D20StatBlock.model_validate(ext["stats"])
        except ValidationError:
            bad("stats", "is not a d20 stat block")
        else:
            out["stats"] = copy.deepcopy(ext["stats"])
    if "goals" in ext:
        goals = _text_list(ext["goals"], name)
        if goals is None or not _valid("goals", goals):
            bad("goals")
        elif goals:
            out["goals"] = goals
    dialogue: dict[str, Any] = {}
    if "farewell" in ext:
        farewell = _text(ext["farewell"], name, "farewell")
        if farewell is None:
            bad("farewell")
        elif farewell:
            dialogue["farewell"] = farewell
    if "topics" in ext:
        topics = ext["topics"]
        if not isinstance(topics, dict):
            bad("topics", "is not an object of topics")
        else:
            kept = {}
            for topic_id, raw in topics.items():
                topic = _topic(topic_id, raw, name)
                if topic is None:
                    bad(f"topics.{str(topic_id)[:64]}")
                    continue
                kept[topic_id] = topic
                extra = sorted(k for k in raw if k not in TOPIC_KEYS)
                if extra:
                    warnings.append(
                        f"{where}.topics.{topic_id}: {', '.join(map(str, extra))} "
                        "left out (a card carries only a topic's text and keywords)"
                    )
            if kept:
                dialogue["topics"] = kept
    if dialogue:
        out["dialogue"] = dialogue
    count = ext.get("inventory_not_carried")
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        warnings.append(
            f"{file}: {count} inventory item{'s were' if count > 1 else ' was'} not carried "
            "(a card holds no items; add them in the world)"
        )
    return out, warnings


def _valid(field: str, value: Any) -> bool:
    try:
        Character.model_validate({"name": "x", field: value})
    except ValidationError:
        return False
    return True


def _text(value: Any, name: str, what: str) -> str | None:
    if not isinstance(value, str):
        return None
    return clean_text(value, char=name, limit=limits.TEXT_MAX, what=what)


def _text_list(value: Any, name: str) -> list[str] | None:
    if not isinstance(value, list) or len(value) > 1_000:
        return None
    items = [_text(v, name, "goal") for v in value]
    if any(item is None for item in items):
        return None
    return [item for item in items if item]


def _topic(topic_id: Any, raw: Any, name: str) -> dict[str, Any] | None:
    """One topic (text and keywords only), or ``None`` when it does not validate."""
    if not isinstance(raw, dict):
        return None
    text = _text(raw.get("text"), name, "topic")
    keywords = raw.get("keywords", [])
    if not text or not isinstance(keywords, list):
        return None
    if not all(isinstance(k, str) for k in keywords) or len(keywords) > 200:
        return None
    topic = {"text": text, "keywords": [" ".join(k.split())[:120] for k in keywords if k.strip()]}
    try:
        Topic.model_validate(topic)
        Dialogue.model_validate({"topics": {topic_id: topic}})
    except ValidationError:
        return None
    return topic
