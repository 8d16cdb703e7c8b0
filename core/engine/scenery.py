"""The things in a room that are only looked at, read or used on: authored scenery,
`read X`, `search the room`, and `use ITEM on TARGET` interactions.

What the player names but the author did not describe gets a graceful answer that
costs no turn (``draft.understood = False``): nothing happened.
"""

from __future__ import annotations

import re

from storyai.core.domain.ops import HearTopic
from storyai.core.domain.world import Interaction, Location
from storyai.core.engine import endings
from storyai.core.engine.draft import Draft
from storyai.core.engine.echo import echo
from storyai.core.engine.intent import Intent, resolve
from storyai.core.engine.story import apply_effects, holds

SCENERY = "scenery:"
"""Prefix of a scenery key among the names a resolve sees (items and people use ids)."""

ROOM_WORDS = frozenset({"", "room", "here", "around", "area", "place", "surroundings", "all"})


def scenery_names(draft: Draft) -> dict[str, list[str]]:
    loc = draft.world.locations[draft.here]
    return {f"{SCENERY}{sid}": [s.name, *s.aliases] for sid, s in loc.scenery.items()}


def examine_scenery(draft: Draft, key: str) -> None:
    thing = draft.world.locations[draft.here].scenery[key.removeprefix(SCENERY)]
    draft.say(thing.description)
    if thing.text:
        draft.say(f"There is writing on the {thing.name}: try read {thing.name.lower()}.", "notice")


def cannot_use(draft: Draft, key: str, verb: str) -> None:
    """A scenery named as if it were an item to use: nothing happens, no turn spent."""
    thing = draft.world.locations[draft.here].scenery[key.removeprefix(SCENERY)]
    draft.understood = False
    draft.say(
        f"Nothing comes of trying to {verb} the {thing.name}. "
        f"(You can examine it, or use something you carry on it.)",
        "notice",
    )


def nothing_there(draft: Draft, words: str) -> None:
    """A thing the player named that is not here as anything: mentioned in the room's
    text (nothing more to it) or not there at all. Costs no turn."""
    draft.understood = False
    loc = draft.world.locations[draft.here]
    if words and _mentioned(words, loc):
        draft.say(
            f"You look closely at the {words}, but there is nothing more to it than you "
            "already see.",
            "notice",
        )
        return
    draft.say(f"You don't see any '{echo(words)}' here.", "notice")


def _mentioned(words: str, loc: Location) -> bool:
    text = set(re.findall(r"[a-z']+", f"{loc.name} {loc.description} {loc.first_visit}".lower()))
    wanted = [w for w in re.findall(r"[a-z']+", words.lower()) if len(w) > 2]
    return bool(wanted) and all(w in text or w.rstrip("s") in text for w in wanted)


def read_scenery(draft: Draft, key: str) -> None:
    thing = draft.world.locations[draft.here].scenery[key.removeprefix(SCENERY)]
    draft.say(thing.text or f"There is nothing written on the {thing.name}. {thing.description}")


def search_room(draft: Draft, visible: list[str]) -> None:
    """`search the room`: what there is here to take or look at."""
    loc = draft.world.locations[draft.here]
    noticed = [s.name for s in loc.scenery.values()]
    if visible:
        draft.say(f"You search {loc.name} and find: {', '.join(visible)}.")
    if noticed:
        draft.say(f"You could look more closely at: {', '.join(noticed)}.", "notice")
    if not visible and not noticed:
        draft.say(f"You search {loc.name} carefully, but find nothing you had not already seen.")


# ------------------------------------------------------------------- use X on Y


def _target_names(draft: Draft, target: str) -> list[str]:
    world, loc = draft.world, draft.world.locations[draft.here]
    if target in loc.scenery:
        return [loc.scenery[target].name, *loc.scenery[target].aliases]
    if target in world.characters:
        name = world.characters[target].name
        return [name, *name.replace(",", "").split()]
    if target in world.items:
        return [world.items[target].name]
    return [target]


def use_on(draft: Draft, intent: Intent, item_id: str) -> None:
    """`use hammer on nail`: the location's authored interaction for that item and target."""
    world = draft.world
    item = world.items[item_id]
    loc = world.locations[draft.here]
    options = [i for i in loc.interactions if i.item == item_id]
    names = {str(n): _target_names(draft, i.target) for n, i in enumerate(options)}
    match = resolve(intent.target, names) if names else None
    if match is None or match.id is None:
        draft.understood = False
        draft.say(
            f"You can't see a way to use the {item.name} on '{intent.target}'. "
            f"(Try use {item.name.lower()} on its own, or examine things here.)",
            "notice",
        )
        return
    interaction: Interaction = options[int(match.id)]
    target = names[match.id][0]
    if not holds(interaction.requires, draft.state, draft.actor, world):
        draft.say(f"You try the {item.name} on the {target}, but nothing comes of it yet.")
        return
    command = f"use {item.name} on {target}".lower()
    if endings.asked_to_confirm(draft, intent, interaction.ends_story, command):
        return
    draft.say(interaction.text)
    draft.do(HearTopic(key=f"use:{item_id}"))
    draft.do(HearTopic(key=f"use:{item_id}:{interaction.target}"))
    apply_effects(
        draft,
        interaction.effects,
        source=item.name,
        place=f"use:{item_id}:{interaction.target}",
    )
    if interaction.consumes and item_id in draft.sheet.inventory:
        draft.set_sheet(draft.actor, draft.rules.take_item(draft.sheet, item_id, world))
        draft.say(f"The {item.name} is used up.", "notice")
