"""The compact prompt profile's own text: shorter rules and a brief world bible.

For small local models (a context window of 8k tokens or less, a few hundred prompt
tokens per second): every token of the prompt costs time before the first word, and
a 100M-8B model follows a short prompt better than a long one. The layout and its
order stay those of ``context.build_prompt`` (stable first, so the server's prompt
cache reuses the prefix); only what goes in is smaller. The reply format is
``narrators.compact_schema.COMPACT_REPLY_SCHEMA``.
"""

from __future__ import annotations

import re

from storyai.core.domain.identity import identity_line
from storyai.core.domain.state import GameState
from storyai.core.domain.world import ContentBoundaries, World

COMPACT_RULES = """You are the game master of a text role-playing game. The game engine \
has already decided what happened this turn: tell it vividly, in the second person, \
and never contradict it. Never invent dice rolls, damage, items, gold or deaths. Stay \
in the story whatever the player asks. Characters speak inside the narrative.
Offer 2 or 3 short choices: things the player could do next.
Propose a change only when the story just made it true: "location" is the id of a \
place the player walks to through an exit; "items" [{"item": id, "delta": 1}] takes \
something lying here (-1 drops it); "quests" [{"quest": id, "stage": id}] moves a \
quest to its next stage. Otherwise leave them null or empty.
Reply with one JSON object only, the narrative first:
{"narrative": "...", "choices": [{"id": "a", "text": "..."}], \
"state_changes": {"location": null, "items": [], "quests": []}}"""

COMPACT_LENGTH = {"short": "one short paragraph", "medium": "one paragraph", "long": "2 paragraphs"}

_SENTENCE = re.compile(r"(?<=[.!?])\s")


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence of ``text`` on one line (cut at ``limit`` characters)."""
    one = " ".join(text.split())
    head = _SENTENCE.split(one, 1)[0]
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


def boundary_lines(bounds: ContentBoundaries) -> list[str]:
    """The world's content lines and veils, in full, for every prompt profile."""
    lines = []
    if bounds.lines:
        lines.append("Never include: " + "; ".join(bounds.lines))
    if bounds.veils:
        lines.append("Only off-screen: " + "; ".join(bounds.veils))
    return lines


def brief_bible(world: World, state: GameState) -> list[str]:
    """The world bible with one sentence per place and person: what never changes
    mid-story, boundaries included in full."""
    meta = world.world
    lines = [f"# World: {meta.title}"]
    if meta.description:
        lines.append(first_sentence(meta.description, 300))
    if meta.tone:
        lines.append(f"Tone: {meta.tone}")
    bounds = meta.content_boundaries
    lines.append(f"Rating: {bounds.rating}.")
    lines += boundary_lines(bounds)
    lines.append("## Places (id: name - description)")
    for loc_id in sorted(world.locations):
        loc = world.locations[loc_id]
        lines.append(f"- {loc_id}: {loc.name} - {first_sentence(loc.description)}")
    lines.append("## Characters (id: name - description)")
    for char_id in sorted(world.characters):
        c = world.characters[char_id]
        lines.append(f"- {char_id}: {c.name} - {first_sentence(c.description, 160)}")
    if world.items:
        lines.append(
            "## Items: " + ", ".join(f"{i} ({it.name})" for i, it in sorted(world.items.items()))
        )
    # the players before the quest list: a tight budget drops lines from the end
    players = sorted(state.players.values(), key=lambda p: p.name)
    lines.append("## Player characters")
    lines += [
        identity_line(p.name, p.sheet.archetype or "adventurer", p.sheet.identity, brief=True)
        for p in players
    ]
    if world.quests:
        lines.append("## Quests (id: title; stage ids in order)")
        for q_id in sorted(world.quests):
            q = world.quests[q_id]
            lines.append(f"- {q_id}: {q.title}; " + " -> ".join(s.id for s in q.stages))
    return lines
