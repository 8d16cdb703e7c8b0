"""Text about the current state: the scene, the sheet, the pack, the quest log, the map."""

from __future__ import annotations

from storyai.core.domain.world import Item
from storyai.core.engine.draft import Draft
from storyai.core.engine.story import holds
from storyai.core.views.place import discovered_map as discovered_map_view
from storyai.core.views.player import turn_order
from storyai.core.views.quests import quest_log as quest_log_view
from storyai.core.views.sheet import inventory_view, sheet_view
from storyai.core.views.text import (
    inventory_text,
    quest_log_text,
    sheet_text,
    turn_order_text,
)


def open_exits(draft: Draft) -> dict[str, str]:
    loc = draft.world.locations[draft.here]
    return {
        d: ex.to
        for d, ex in loc.exits.items()
        if not ex.hidden or holds(ex.requires, draft.state, draft.actor, draft.world)
    }


def exits_sentence(draft: Draft) -> str:
    exits = open_exits(draft)
    if not exits:
        return "There is no way out."
    parts = [f"{d} ({draft.world.locations[t].name})" for d, t in exits.items()]
    return "Exits: " + ", ".join(parts) + "."


def location(draft: Draft, *, full: bool = True, first_visit: bool = False) -> None:
    loc = draft.world.locations[draft.here]
    draft.say(loc.name, "heading")
    if full:
        draft.say(loc.description)
    if first_visit and loc.first_visit:
        draft.say(loc.first_visit)
    people = draft.state.characters_at(draft.here)
    if people:
        names = []
        for cid in people:
            name = draft.world.characters[cid].name
            names.append(f"{name} (defeated)" if draft.state.npcs[cid].defeated else name)
        draft.say("Here: " + ", ".join(names) + ".", "notice")
    if draft.state.combat is not None and draft.state.combat.location == draft.here:
        order = turn_order(draft.state, draft.actor)
        draft.say(turn_order_text(order, draft.state.combat.round), "notice")
    items = draft.state.location_items.get(draft.here, {})
    if items:
        listed = [draft.world.items[i].name + (f" ×{n}" if n > 1 else "") for i, n in items.items()]
        draft.say("You see: " + ", ".join(listed) + ".", "notice")
    draft.say(exits_sentence(draft), "notice")


def item_facts(item: Item, currency: str = "gold") -> str:
    facts: list[str] = [item.kind]
    if item.damage:
        facts.append(f"{item.damage} {item.damage_type or ''}".strip())
    if item.armor_class is not None:
        facts.append(f"AC {item.armor_class}")
    if item.ac_bonus:
        facts.append(f"+{item.ac_bonus} AC")
    if item.weight:
        facts.append(f"{item.weight:g} lb")
    if item.value:
        facts.append(f"{item.value} {currency}")
    return " · ".join(facts)


def open_topics(draft: Draft, who: str) -> list[str]:
    ch = draft.world.characters[who]
    return [
        tid.replace("_", " ")
        for tid, t in ch.dialogue.topics.items()
        if holds(t.requires, draft.state, draft.actor, draft.world)
        and f"{who}:{tid}" not in draft.state.topics_heard
    ]


def inventory(draft: Draft) -> str:
    return inventory_text(inventory_view(draft.sheet, draft.world, draft.rules))


def sheet(draft: Draft) -> str:
    return sheet_text(sheet_view(draft.sheet, draft.world, draft.rules))


def quest_log(draft: Draft) -> str:
    return quest_log_text(quest_log_view(draft.state, draft.world))


def discovered_map(draft: Draft) -> str:
    """The ``map`` command: the places found so far, doors as they are now."""
    return discovered_map_view(draft.state, draft.world, draft.here, who=draft.actor, width=12)
