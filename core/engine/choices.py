"""Numbered choices offered after every turn, so nobody is ever stuck."""

from __future__ import annotations

from storyai.core.domain.state import Choice
from storyai.core.engine import casting, describe, endings
from storyai.core.engine.combat import hostiles_here
from storyai.core.engine.draft import Draft

MAX_CHOICES = 6


def offer(draft: Draft) -> list[Choice]:
    """Sensible next actions, most pressing first."""
    world, state = draft.world, draft.state
    if state.ending:
        return []
    down = draft.rules.downed(draft.sheet)
    if down is not None:  # at 0 HP the rule system's roll is all there is to do
        return [Choice(text=down.action, command=down.command)]
    out: list[Choice] = []
    foes = hostiles_here(draft)
    if draft.sheet.improvements and not (state.combat and foes):
        raises = draft.rules.improvement_options(draft.sheet)
        what = "level-up improvement" if raises else "specialization"
        out.append(Choice(text=f"Choose your {what}", command="improve"))
    if state.combat and foes:
        for cid in foes[:3]:
            name = world.characters[cid].name
            out.append(Choice(text=f"Attack {name}", command=f"attack {name}"))
        spell = casting.offensive_spell(draft)
        if spell:
            name = world.characters[foes[0]].name
            out.append(Choice(text=f"Cast {spell} at {name}", command=f"cast {spell} at {name}"))
        healing = [
            i
            for i in draft.sheet.inventory
            if any(e.type == "heal" for e in world.items[i].effects)
        ]
        if healing and draft.sheet.hp < draft.sheet.max_hp:
            out.append(
                Choice(
                    text=f"Use {world.items[healing[0]].name}",
                    command=f"use {world.items[healing[0]].name}",
                )
            )
        out.append(Choice(text="Flee", command="flee"))
        return out[:MAX_CHOICES]
    for cid in state.characters_at(draft.here):
        if state.npcs[cid].defeated:
            continue
        name = world.characters[cid].name
        topics = describe.open_topics(draft, cid)
        if cid not in state.topics_heard:
            out.append(Choice(text=f"Talk to {name}", command=f"talk to {name}"))
        elif topics:
            out.append(
                Choice(
                    text=f"Ask {name} about {endings.topic_label(draft, cid, topics[0])}",
                    command=f"ask {name} about {topics[0]}",
                )
            )
    for item_id in list(state.location_items.get(draft.here, {}))[:2]:
        item = world.items[item_id]
        if item.portable:
            out.append(Choice(text=f"Take the {item.name}", command=f"take {item.name}"))
    for item_id in draft.sheet.inventory:
        item = world.items[item_id]
        if (
            item.effects
            and f"use:{item_id}" not in state.topics_heard
            and item.kind != "consumable"
        ):
            out.append(Choice(text=f"Use the {item.name}", command=f"use {item.name}"))
            break
    for direction, target in describe.open_exits(draft).items():
        label = world.locations[target].name
        out.append(Choice(text=f"Go {direction} to {label}", command=f"go {direction}"))
    if draft.sheet.hp < draft.sheet.max_hp:
        out.append(Choice(text="Rest a while", command="rest"))
    return out[:MAX_CHOICES]
