"""What each verb does to the story: movement, items, talk, fights, rests.

Handlers take a Draft and an Intent; they change state only through the draft
and say what happened. Anything the player cannot do gets a reason and,
where it helps, a suggestion, never an exception.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from storyai.core.domain.errors import RuleError
from storyai.core.domain.ops import (
    Discover,
    HearTopic,
    LearnLore,
    Move,
    MoveItems,
    SetCombat,
    Visit,
)
from storyai.core.domain.world import Exit
from storyai.core.engine import (
    casting,
    combat,
    describe,
    downed,
    endings,
    powers,
    scenery,
    speech,
)
from storyai.core.engine.draft import Draft
from storyai.core.engine.echo import echo
from storyai.core.engine.intent import Intent, Match, resolve, verb_word
from storyai.core.engine.story import apply_effects, bond, holds
from storyai.core.rules import specializations
from storyai.core.rules.base import RestKind
from storyai.core.views.relationships import relationships_text, relationships_view

HELP_TEXT = """You can type things like:
  look · examine {thing} · search the room · read {item} · go north · go to {place} · go back
  n / s / e / w / up / down · take {item} · drop {item} · use {item} · use key on door
  equip sword · talk to {person} · ask {person} about {topic} · ask about {topic}
  say hello · say "the password"
  attack {foe} · cast a spell at {foe} · flee · rest · long rest · death save (at 0 HP)
  inventory (i) · sheet · quests · map · roll 2d6 · improve (a level-up choice) · help
  powers · use a power on {foe} · use one power with another (a combo) · relationships
Or type the number of a choice."""


def help_text(draft: Draft) -> str:
    """The help, with examples named from where the player stands."""
    world, here = draft.world, draft.world.locations[draft.here]
    people = [c for c, n in draft.state.npcs.items() if n.location == draft.here and not n.defeated]
    friends = [c for c in people if world.characters[c].kind != "creature"]
    foes = [c for c in people if world.characters[c].kind == "creature"]
    items = [*_visible_items(draft), *draft.sheet.inventory]
    places = [world.locations[e.to].name for e in here.exits.values() if not e.hidden]

    def name(ids: list[str], table: dict, fallback: str) -> str:
        return table[ids[0]].name.lower() if ids else fallback

    person = name(friends, world.characters, "someone")
    topics = world.characters[friends[0]].dialogue.topics if friends else {}
    topic = next((t for t, v in topics.items() if v.requires is None), "the news")
    return HELP_TEXT.format(
        thing=name(items, world.items, "the room") if items else here.name.lower(),
        place=places[0].lower() if places else "the door",
        item=name(items, world.items, "lantern"),
        person=person,
        topic=topic.replace("_", " "),
        foe=name(foes, world.characters, "wolf"),
    )


def _ambiguity(draft: Draft, match: Match, names: dict[str, str]) -> None:
    draft.understood = False  # asking which one costs no turn
    options = ", ".join(names.get(c, c) for c in match.candidates[:5])
    draft.say(f"Which do you mean: {options}?", "notice")


def _visible_items(draft: Draft) -> dict[str, list[str]]:
    here = draft.state.location_items.get(draft.here, {})
    return {i: [draft.world.items[i].name] for i in here if here[i] > 0}


def _carried(draft: Draft) -> dict[str, list[str]]:
    return {i: [draft.world.items[i].name] for i in draft.sheet.inventory}


def _people_here(draft: Draft) -> dict[str, list[str]]:
    out = {}
    for cid in draft.state.characters_at(draft.here):
        name = draft.world.characters[cid].name
        out[cid] = [name, *name.replace(",", "").split()]
    return out


def _find(draft: Draft, words: str, names: dict[str, list[str]], what: str) -> str | None:
    if not words:
        draft.understood = False
        draft.say(f"{what.capitalize()} what?", "notice")
        return None
    match = resolve(words, names)
    if match.ambiguous:
        _ambiguity(draft, match, {k: v[0] for k, v in names.items()})
        return None
    if match.id is None:
        draft.understood = False  # nothing happened: no turn spent
        draft.say(f"You don't see any '{words}' to {what}.", "notice")
        return None
    return match.id


# ----------------------------------------------------------------- looking


def look(draft: Draft, intent: Intent) -> None:
    describe.location(draft, full=True)


def examine(draft: Draft, intent: Intent) -> None:
    words = intent.object
    world = draft.world
    loc = world.locations[draft.here]
    if words in loc.exits:
        ex = loc.exits[words]
        draft.say(ex.description or f"The way {words} leads to {world.locations[ex.to].name}.")
        return
    everything = {
        **_visible_items(draft),
        **_carried(draft),
        **_people_here(draft),
        **scenery.scenery_names(draft),
    }
    if not words:
        look(draft, intent)
        return
    match = resolve(words, everything)
    if match.ambiguous:
        _ambiguity(draft, match, {k: v[0] for k, v in everything.items()})
        return
    if match.id is None and _look_along_exit(draft, words):
        return
    if match.id is None:
        scenery.nothing_there(draft, words)
    elif match.id.startswith(scenery.SCENERY):
        scenery.examine_scenery(draft, match.id)
    elif match.id in world.items:
        item = world.items[match.id]
        draft.say(item.description or f"It is {item.name}. Nothing more to say about it.")
        facts = describe.item_facts(item, world.world.currency)
        if facts:
            draft.say(facts, "notice")
    elif match.id in world.characters:
        ch = world.characters[match.id]
        draft.say(ch.description or f"{ch.name} is here.")
        sheet = draft.state.sheet_of(match.id)
        if sheet and draft.state.npcs[match.id].defeated:
            draft.say(f"{ch.name} lies defeated.", "notice")


def _look_along_exit(draft: Draft, words: str) -> bool:
    """`look at the forge` from the square: the way there, named by where it leads."""
    loc = draft.world.locations[draft.here]
    shown = {d: [draft.world.locations[ex.to].name] for d, ex in loc.exits.items() if not ex.hidden}
    match = resolve(words, shown)
    if match.id is None:
        return False
    ex = loc.exits[match.id]
    place = draft.world.locations[ex.to].name
    seen = f" You see {ex.description}." if ex.description else ""
    draft.say(f"{place} lies {match.id}.{seen}", "notice")  # where things are, like Exits:
    return True


def read(draft: Draft, intent: Intent) -> None:
    """`read X`: an item's or a scenery's written text (a book's reading is its use)."""
    names = {**_carried(draft), **_visible_items(draft), **scenery.scenery_names(draft)}
    words = intent.object
    match = resolve(words, names) if words else Match(None)
    if match.ambiguous:
        _ambiguity(draft, match, {k: v[0] for k, v in names.items()})
        return
    if match.id is None:
        if not words:
            draft.understood = False
            draft.say("Read what?", "notice")
        else:
            scenery.nothing_there(draft, words)
        return
    if match.id.startswith(scenery.SCENERY):
        scenery.read_scenery(draft, match.id)
        return
    item = draft.world.items[match.id]
    if item.text:
        draft.say(item.text)
        draft.do(HearTopic(key=f"read:{match.id}"))
    elif item.kind == "book" and item.effects:  # reading a book is what using it does
        use(draft, Intent("use", object=item.name, raw=f"read {item.name}"))
    else:
        draft.say(item.description or f"It is {item.name}.")
        draft.say(f"There is nothing written on the {item.name}.", "notice")


def search(draft: Draft, intent: Intent) -> None:
    """`search the room` lists what is here to find; `search X` looks at X closely."""
    here = draft.world.locations[draft.here]
    if intent.object in scenery.ROOM_WORDS or intent.object == here.name.lower():
        visible = [draft.world.items[i].name for i in _visible_items(draft)]
        scenery.search_room(draft, visible)
        return
    examine(draft, Intent("examine", object=intent.object, raw=intent.raw))


# -------------------------------------------------------------------- moving


def _exit_for(draft: Draft, intent: Intent) -> tuple[str, Exit] | None:
    loc = draft.world.locations[draft.here]
    if intent.direction:
        if intent.direction in loc.exits:
            return intent.direction, loc.exits[intent.direction]
        opened = draft.way_opened
        if intent.direction == "in" and opened in loc.exits:  # "open the door and step in"
            return opened, loc.exits[opened]
        back = draft.player.previous
        if intent.direction == "back" and back:
            for direction, ex in loc.exits.items():
                if ex.to == back and not ex.hidden:
                    return direction, ex
        draft.say(
            f"You can't go {intent.direction} from here. " + describe.exits_sentence(draft),
            "notice",
        )
        return None
    names = {
        direction: [direction, draft.world.locations[ex.to].name]
        for direction, ex in loc.exits.items()
    }
    match = resolve(intent.object, names)
    if match.ambiguous:
        _ambiguity(draft, match, {k: v[1] for k, v in names.items()})
        return None
    if match.id is None:
        draft.say(
            f"You can't find a way to '{intent.object}' from here. "
            + describe.exits_sentence(draft),
            "notice",
        )
        return None
    return match.id, loc.exits[match.id]


OPENING = frozenset({"open", "unlock"})
_DOOR_WORDS = re.compile(r"\b(door|doors|doorway|gate|hatch|entrance|way)\b")


def _way_named(draft: Draft, words: str) -> tuple[str, Exit] | None:
    """The way out of here that ``words`` name as a door ("the chapel door", "the
    gate"): by where it leads, its direction or its description."""
    loc = draft.world.locations[draft.here]
    shown = describe.open_exits(draft)
    names = {
        d: [d, draft.world.locations[to].name, loc.exits[d].description]
        for d, to in shown.items()
        if to in draft.world.locations
    }
    for said in (words, _DOOR_WORDS.sub("", words).strip()):
        match = resolve(said, names) if said else Match(None)
        if match.id is not None:
            return match.id, loc.exits[match.id]
    return None


def _open_way(draft: Draft, direction: str, ex: Exit) -> None:
    """Opening a door is going no further: the way is open (and ``in`` now means it),
    or it stays shut and says why. No time passes either way."""
    draft.free = True
    name = draft.world.locations[ex.to].name
    if not holds(ex.requires, draft.state, draft.actor, draft.world):
        draft.say(ex.blocked_text or f"The way to {name} will not open.", "notice")
        return
    draft.way_opened = direction
    draft.say(f"The way {direction} to {name} stands open.")


def go(draft: Draft, intent: Intent) -> None:
    found = _exit_for(draft, intent)
    if found is None:
        return
    _direction, ex = found
    if not holds(ex.requires, draft.state, draft.actor, draft.world):
        draft.say(ex.blocked_text or "The way is blocked.", "notice")
        return
    if draft.state.combat and combat.hostiles_here(draft):
        combat.parting_blows(draft)
        if not draft.rules.can_act(draft.sheet):
            return
        draft.do(SetCombat(combat=None))
        draft.say("You break away from the fight.", "notice")
    enter(draft, ex.to)


def enter(draft: Draft, location: str) -> None:
    first = location not in draft.state.visited
    draft.do(Move(who=draft.actor, to=location))
    draft.do(Visit(location=location))
    for ex in draft.world.locations[location].exits.values():
        if not ex.hidden:
            draft.do(Discover(location=ex.to))
    reveal_found_ways(draft)
    describe.location(draft, full=first, first_visit=first)
    apply_effects(
        draft, draft.world.locations[location].on_enter, source="here", place=f"enter:{location}"
    )
    combat.ambush(draft)


def reveal_found_ways(draft: Draft) -> None:
    """A hidden way from here that the player has found (its condition now holds: a
    flag a search set, a lever pulled) shows where it leads, on the map and in the
    codex, as a visible exit's far end does."""
    loc = draft.world.locations.get(draft.here)
    if loc is None:
        return
    for ex in loc.exits.values():
        if (
            ex.hidden
            and ex.to in draft.world.locations
            and ex.to not in draft.state.discovered
            and holds(ex.requires, draft.state, draft.actor, draft.world)
        ):
            draft.do(Discover(location=ex.to))


# --------------------------------------------------------------------- items


def take(draft: Draft, intent: Intent) -> None:
    if intent.object in ("all", "everything"):
        visible = list(_visible_items(draft))
        if not visible:
            draft.say("There is nothing here to take.", "notice")
        for item_id in visible:
            _take_one(draft, item_id)
        return
    found = _find(draft, intent.object, _visible_items(draft), "take")
    if found:
        _take_one(draft, found)


def _take_one(draft: Draft, item_id: str) -> None:
    item = draft.world.items[item_id]
    if not item.portable:
        draft.say(f"The {item.name} won't budge.", "notice")
        return
    try:
        new = draft.rules.give_item(draft.sheet, item_id, draft.world)
    except RuleError as exc:
        draft.say(exc.message, "notice")
        return
    if draft.do(MoveItems(location=draft.here, item=item_id, delta=-1)):
        draft.set_sheet(draft.actor, new)
        draft.say(f"You take the {item.name}.")


def drop(draft: Draft, intent: Intent) -> None:
    item_id = _find(draft, intent.object, _carried(draft), "drop")
    if not item_id:
        return
    draft.set_sheet(draft.actor, draft.rules.take_item(draft.sheet, item_id, draft.world))
    draft.do(MoveItems(location=draft.here, item=item_id, delta=1))
    draft.say(f"You put down the {draft.world.items[item_id].name}.")


def use(draft: Draft, intent: Intent) -> None:
    options = {**_carried(draft), **_visible_items(draft)}
    first = intent.object.split(" with ")[0] if intent.object else ""
    if first and resolve(first, options).id is None and powers.use_if_power(draft, intent.raw):
        return  # "use ember touch on the wolf": a power, not a thing

    verb = verb_word(intent.raw) or "use"
    if intent.object and resolve(intent.object, options) == Match(None):
        thing = resolve(intent.object, scenery.scenery_names(draft))
        if thing.id is not None:  # "pull the nail": scenery is looked at, not used
            scenery.cannot_use(draft, thing.id, verb)
            return
        way = _way_named(draft, intent.object) if verb in OPENING else None
        if way is not None:  # "open the chapel door": the way there
            _open_way(draft, *way)
            return
    item_id = _find(draft, intent.object, options, verb)
    if not item_id:
        return
    item = draft.world.items[item_id]
    if item_id not in draft.sheet.inventory and item.portable:
        draft.say(f"You need to pick up the {item.name} first.", "notice")
        return
    if intent.target:
        scenery.use_on(draft, intent, item_id)
        return
    if item.kind in ("weapon", "armor", "shield") and not item.effects:
        equip(draft, Intent("equip", object=item.name))
        return
    draft.say(
        item.use_text
        or (
            f"You use the {item.name}."
            if item.effects
            else f"You turn the {item.name} over in your hands. Nothing happens."
        )
    )
    draft.do(HearTopic(key=f"use:{item_id}"))
    apply_effects(draft, item.effects, source=item.name, place=f"use:{item_id}")
    if item.consumed_on_use and item_id in draft.sheet.inventory:
        draft.set_sheet(draft.actor, draft.rules.take_item(draft.sheet, item_id, draft.world))
        draft.say(f"The {item.name} is used up.", "notice")


def equip(draft: Draft, intent: Intent) -> None:
    item_id = _find(draft, intent.object, _carried(draft), "equip")
    if not item_id:
        return
    try:
        draft.set_sheet(draft.actor, draft.rules.equip(draft.sheet, item_id, draft.world))
    except RuleError as exc:
        draft.say(exc.message, "notice")
        return
    draft.say(f"You ready the {draft.world.items[item_id].name}.")


# ---------------------------------------------------------------------- talk


def talk(draft: Draft, intent: Intent) -> None:
    who = _find(draft, intent.object, _people_here(draft), "talk to")
    if not who:
        return
    ch = draft.world.characters[who]
    if draft.state.npcs[who].defeated:
        draft.say(f"{ch.name} is in no state to talk.", "notice")
        return
    first = who not in draft.state.topics_heard
    lines = ([ch.dialogue.greeting] if first and ch.dialogue.greeting else []) or (
        [draft.pick(ch.dialogue.lines)] if ch.dialogue.lines else [ch.dialogue.greeting]
    )
    for line in filter(None, lines):
        draft.say(line, "dialogue", speaker=ch.name)
    if not any(lines):
        draft.say(f"{ch.name} regards you in silence.")
    draft.do(HearTopic(key=who))
    topics = [endings.topic_label(draft, who, t) for t in describe.open_topics(draft, who)]
    if topics:
        draft.say(f"You could ask {ch.name} about: " + ", ".join(topics) + ".", "notice")


def ask(draft: Draft, intent: Intent) -> None:
    if intent.object:
        who = _find(draft, intent.object, _people_here(draft), "ask")
    else:  # "ask about goblins", "what about the goblins?"
        who = speech.who_is_asked(draft)
        if who is None:
            draft.understood = False
            here = [draft.world.characters[c].name for c in speech.talkers_here(draft)]
            draft.say(
                f"Ask whom? ({' or '.join(here)})" if here else "There is nobody here to ask.",
                "notice",
            )
            return
    if not who:
        return
    ch = draft.world.characters[who]
    if draft.state.npcs[who].defeated:
        draft.say(f"{ch.name} is in no state to talk.", "notice")
        return
    available = {
        tid: [tid.replace("_", " "), *t.keywords]
        for tid, t in ch.dialogue.topics.items()
        if holds(t.requires, draft.state, draft.actor, draft.world)
    }
    match = resolve(intent.target, available) if intent.target else Match(None)
    if match.id is None:
        draft.do(HearTopic(key=who))
        draft.say(
            ch.dialogue.farewell
            if not intent.target and ch.dialogue.farewell
            else f'"I\'ve nothing to tell you about {intent.target or "that"}."',
            "dialogue",
            speaker=ch.name,
        )
        topics = [endings.topic_label(draft, who, t) for t in describe.open_topics(draft, who)]
        if topics:
            draft.say(f"You could ask about: {', '.join(topics)}.", "notice")
        return
    topic = ch.dialogue.topics[match.id]
    command = f"ask {ch.name} about {match.id.replace('_', ' ')}".lower()
    if endings.asked_to_confirm(draft, intent, topic.ends_story, command):
        return
    draft.do(HearTopic(key=who))  # talking to them, for "talk to X" objectives
    draft.say(topic.text, "dialogue", speaker=ch.name)
    draft.do(HearTopic(key=f"{who}:{match.id}"))
    for lore_id in topic.reveals:
        if lore_id not in draft.state.lore_known:
            draft.do(LearnLore(lore=lore_id))
            draft.say(f"Learned: {draft.world.lore[lore_id].title}", "notice")
    apply_effects(draft, topic.effects, source=ch.name, place=f"{who}:{match.id}")


# ------------------------------------------------------------------ the body


def rest(draft: Draft, intent: Intent) -> None:
    if draft.state.combat and combat.hostiles_here(draft):
        draft.say("You can't rest with enemies at your throat.", "notice")
        return
    kind: RestKind = "long" if intent.object == "long" else "short"
    new, notes = draft.rules.rest(draft.sheet, kind, draft.dice)
    if kind == "long":  # skills used well since the last long rest may grow
        developed, grown = draft.rules.develop_skills(new, draft.dice)
        developed, earned = specializations.earned_by_development(
            new, developed, draft.world, draft.state.flags
        )
        new, notes = developed, (*notes, *grown, *earned)
    draft.set_sheet(draft.actor, new)
    draft.say(f"You take a {kind} rest.")
    for note in notes:
        draft.say(note, "notice")
    casting.after_rest(draft, kind)
    powers.after_rest(draft, kind)


def improve(draft: Draft, intent: Intent) -> None:
    """Spend a level-up's ability score improvement, or take a specialization in its
    place; a bare ``improve`` lists the choice."""
    words = [w for w in intent.object.replace(",", " ").replace(" and ", " ").split() if w]
    if not words:
        options = draft.rules.improvement_options(draft.sheet)
        open_ = [o for o in specializations.options(draft.sheet, draft.world, draft.state.flags)]
        if not draft.sheet.improvements or not (options or open_):
            draft.say("You have no improvement to choose right now.", "notice")
            return
        left = draft.sheet.improvements
        if options:
            draft.say(
                f"Ability score improvements to choose: {left}. Raise one ability by 2 or "
                "two by 1 (at most 20): "
                + ", ".join(f"{a.upper()} {draft.sheet.abilities.get(a, 10)}" for a in options)
                + ". Type `improve STR` or `improve DEX CON`.",
                "notice",
            )
        if open_:
            draft.say(
                ("Or take a specialization in its place: " if options else "Specializations: ")
                + "; ".join(
                    f"{o.name} ({o.gives})"
                    if o.open
                    else f"{o.name} (needs {', '.join(o.missing)})"
                    for o in open_
                )
                + f". Type `improve {open_[0].name}`.",
                "notice",
            )
        return
    sid = specializations.find(draft.world, intent.object)
    try:
        if sid is not None:
            new, notes = specializations.specialize(
                draft.sheet, sid, draft.world, draft.state.flags
            )
        else:
            new, notes = draft.rules.improve(draft.sheet, words, draft.world)
    except RuleError as exc:
        draft.say(exc.message + (f" ({exc.hint})" if exc.hint else ""), "notice")
        return
    draft.set_sheet(draft.actor, new)
    draft.say("You grow stronger: " + " ".join(notes), "notice")


def inventory(draft: Draft, intent: Intent) -> None:
    draft.say(describe.inventory(draft), "notice")


def sheet(draft: Draft, intent: Intent) -> None:
    draft.say(describe.sheet(draft), "notice")


def quests(draft: Draft, intent: Intent) -> None:
    draft.say(describe.quest_log(draft), "notice")


def show_map(draft: Draft, intent: Intent) -> None:
    draft.say(describe.discovered_map(draft), "notice")


def relationships(draft: Draft, intent: Intent) -> None:
    view = relationships_view(draft.state, draft.world, draft.actor)
    draft.say(relationships_text(view), "notice")


def show_help(draft: Draft, intent: Intent) -> None:
    draft.say(help_text(draft), "notice")


def wait(draft: Draft, intent: Intent) -> None:
    draft.say("Time passes.")


def give(draft: Draft, intent: Intent) -> None:
    item_id = _find(draft, intent.object, _carried(draft), "give")
    if not item_id:
        return
    who = _find(draft, intent.target, _people_here(draft), "give it to")
    if not who:
        return
    draft.set_sheet(draft.actor, draft.rules.take_item(draft.sheet, item_id, draft.world))
    draft.say(
        f"You give the {draft.world.items[item_id].name} to {draft.world.characters[who].name}."
    )
    draft.do(HearTopic(key=f"give:{who}:{item_id}"))
    bond(draft, who, 10, f"you gave them the {draft.world.items[item_id].name}")


def roll(draft: Draft, intent: Intent) -> None:
    """``roll 2d6+1``: dice rolled in the open, outside the rules (no game time)."""
    words = intent.raw.split(maxsplit=1)[1] if len(intent.raw.split()) > 1 else ""
    if not words:
        draft.say("Roll which dice? For example: roll 2d6+3.", "notice")
        return
    if not any(c.isdigit() for c in words):  # "roll the barrel" is no dice roll
        not_understood(draft, intent)
        return
    try:
        result = draft.dice.roll(words.strip())
    except RuleError as exc:
        draft.say(exc.message, "notice")
        return
    draft.roll_line(f"{draft.sheet.name} rolls {result.breakdown}")


def say(draft: Draft, intent: Intent) -> None:
    speech.say(draft, intent, ask)


def not_understood(draft: Draft, intent: Intent) -> None:
    draft.understood = False
    draft.say(
        f'I don\'t know how to "{echo(intent.raw)}". Try one of the choices below, '
        "or type help to see what you can do.",
        "notice",
    )


HANDLERS: dict[str, Callable[[Draft, Intent], None]] = {
    "look": look,
    "examine": examine,
    "go": go,
    "take": take,
    "drop": drop,
    "use": use,
    "equip": equip,
    "talk": talk,
    "ask": ask,
    "give": give,
    "attack": combat.attack,
    "flee": combat.flee,
    "cast": casting.cast,
    "inventory": inventory,
    "improve": improve,
    "powers": powers.show,
    "relationships": relationships,
    "invoke": powers.invoke,
    "sheet": sheet,
    "quests": quests,
    "rest": rest,
    "help": show_help,
    "wait": wait,
    "map": show_map,
    "recover": downed.recover,
    "roll": roll,
    "say": say,
    "read": read,
    "search": search,
    "free": not_understood,
}

INFO_VERBS = frozenset(
    {
        "inventory",
        "improve",
        "powers",
        "relationships",
        "sheet",
        "quests",
        "help",
        "map",
        "look",
        "examine",
        "read",
        "search",
        "recover",
        "roll",
    }
)
"""Verbs that take no game time: enemies do not act after them. (``recover`` by
someone on their feet is only a reminder; a downed player's is their turn.)"""
