"""The companion's tools: what one player's character knows, as read models.

Every tool answers for one character (``Asker``): what they witnessed, the lore they
know, the people they met, their quests, their powers and the choices open to them.
Nothing here reads GM-only lore or a character's authored secrets unless the asker is
the GM (``Asker.gm``), and nothing reads another player's memory. The companion, the
MCP server and the interfaces all answer from these functions; none of them writes.

The pure functions take a state and a world; ``memory_search`` reads the recall index
of every story the player played (``Tools`` in ``storyai.core.companion.service``
gathers the state and calls these).

Tool names and result shapes are versioned (``TOOLS_VERSION``): an outside client
(an MCP agent, a tabletop module) may rely on them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from storyai.core.domain.state import GameState
from storyai.core.domain.world import Condition, World
from storyai.core.engine.story import holds
from storyai.core.memory.lore import _pattern
from storyai.core.storage.recall import search_terms
from storyai.core.views.sheet import sheet_view

TOOLS_VERSION = "1"
"""Bumped when a tool's name, arguments or result shape changes incompatibly."""

READ_TOOLS = (
    "memory_search",
    "lore_lookup",
    "relationship_map",
    "quest_tracker",
    "power_analyzer",
    "story_predictor",
)
"""The tools every player may call about their own character."""

PLAY_TOOLS = ("take_turn", "roll", "sheet", "transcript")
"""The tools that need the ``play`` permission (they act, or read the whole sheet)."""


@dataclass(frozen=True)
class Asker:
    """Whose knowledge a tool answers from: a seat in a story, and who holds it."""

    session_id: str
    player_id: str
    player_key: str  # "local" for solo play, "discord:<id>" in the bot
    gm: bool = False


class ReadModel:
    """Every tool result: frozen data that turns into plain JSON."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


# ------------------------------------------------------------------------ memory


@dataclass(frozen=True)
class Memory(ReadModel):
    text: str
    turn: int
    story_id: str
    story_title: str
    this_story: bool
    score: float


@dataclass(frozen=True)
class Memories(ReadModel):
    query: str
    found: tuple[Memory, ...] = ()


# -------------------------------------------------------------------------- lore


@dataclass(frozen=True)
class LoreFact(ReadModel):
    id: str
    title: str
    text: str
    how_known: str  # "common knowledge", "you learned it", "GM only"


@dataclass(frozen=True)
class LoreAnswer(ReadModel):
    topic: str
    facts: tuple[LoreFact, ...] = ()


def known_lore(world: World, state: GameState, *, gm: bool = False) -> tuple[LoreFact, ...]:
    """Every lore entry the party's characters know (public, or learned), by id; the
    GM also sees the GM-only entries and the unlearned known-by ones."""
    out = []
    for lore_id in sorted(world.lore):
        entry = world.lore[lore_id]
        if entry.visibility == "public":
            how = "common knowledge"
        elif entry.visibility == "known-by" and lore_id in state.lore_known:
            how = "you learned it"
        elif gm:
            how = "GM only" if entry.visibility == "gm-only" else "not yet learned"
        else:
            continue
        out.append(LoreFact(lore_id, entry.title, " ".join(entry.text.split()), how))
    return tuple(out)


def lore_lookup(world: World, state: GameState, topic: str, *, gm: bool = False) -> LoreAnswer:
    """The lore this character knows about ``topic`` (its words against each entry's
    title and keywords); never an entry they could not know."""
    words = search_terms(topic)
    facts = []
    for fact in known_lore(world, state, gm=gm):
        entry = world.lore[fact.id]
        haystack = " ".join([entry.title.lower(), *(k.lower() for k in entry.keywords)])
        topic_text = topic.lower()
        if any(k and _pattern(k).search(topic_text) for k in entry.keywords) or any(
            w and w in haystack for w in words
        ):
            facts.append(fact)
    return LoreAnswer(topic, tuple(facts))


# ------------------------------------------------------------------ relationships


@dataclass(frozen=True)
class Relationship(ReadModel):
    id: str
    name: str
    attitude: str
    was: str
    why: str
    last_seen: str  # the place's name, "" when not seen there


@dataclass(frozen=True)
class RelationshipMap(ReadModel):
    people: tuple[Relationship, ...] = ()


def met(state: GameState, npc_id: str) -> bool:
    """Whether the party met someone: talked to them, or saw them in a place they
    visited, or fought them."""
    npc = state.npcs.get(npc_id)
    if npc is None:
        return False
    if npc_id in state.last_done or any(t.startswith(f"{npc_id}:") for t in state.topics_heard):
        return True
    if npc.defeated:
        return True
    return npc.location is not None and npc.location in state.visited


def relationship_map(world: World, state: GameState) -> RelationshipMap:
    """The people met, how they stand toward the party, and why it changed."""
    people = []
    for cid in sorted(state.npcs):
        character = world.characters.get(cid)
        if character is None or not met(state, cid):
            continue
        npc = state.npcs[cid]
        was = character.attitude
        if npc.defeated:
            why = "defeated"
        elif npc.fled:
            why = "fled"
        elif npc.attitude == was:
            why = "unchanged since you met"
        elif npc.attitude == "hostile":
            why = f"turned hostile (was {was}): a fight, or a spell cast on them"
        else:
            why = f"{'warmed' if _rank(npc.attitude) > _rank(was) else 'cooled'} from {was}"
        place = ""
        if npc.location in state.visited and npc.location in world.locations:
            place = world.locations[npc.location].name
        people.append(Relationship(cid, character.name, npc.attitude, was, why, place))
    return RelationshipMap(tuple(people))


def _rank(attitude: str) -> int:
    return (
        ("hostile", "wary", "neutral", "friendly").index(attitude)
        if attitude
        in (
            "hostile",
            "wary",
            "neutral",
            "friendly",
        )
        else 2
    )


# ------------------------------------------------------------------------- quests


@dataclass(frozen=True)
class QuestEntry(ReadModel):
    id: str
    title: str
    status: str
    stage: str
    open_objectives: tuple[str, ...]
    done_objectives: tuple[str, ...]
    hint: str
    giver: str
    turns_on_stage: int  # things that happened since the stage began (state.tick)
    main: bool


@dataclass(frozen=True)
class QuestTracker(ReadModel):
    quests: tuple[QuestEntry, ...] = ()


def quest_tracker(world: World, state: GameState) -> QuestTracker:
    """Begun quests with their stage and open objectives; a hint (the first open
    objective, and who gave the quest) for a stuck player. Unbegun quests stay hidden."""
    out = []
    for qid in sorted(state.quests):
        qs = state.quests[qid]
        quest = world.quests.get(qid)
        if quest is None or qs.status not in ("active", "done"):
            continue
        giver = ""
        if quest.giver and quest.giver in world.characters:
            giver = world.characters[quest.giver].name
        if qs.status == "done":
            out.append(
                QuestEntry(qid, quest.title, "done", "Complete.", (), (), "", giver, 0, quest.main)
            )
            continue
        stage = quest.stages[max(0, min(qs.stage, len(quest.stages) - 1))]
        required = [(i, o) for i, o in enumerate(stage.objectives) if i not in qs.done_objectives]
        open_ = tuple(o.description for _, o in required)
        done = tuple(
            o.description for i, o in enumerate(stage.objectives) if i in qs.done_objectives
        )
        hint = ""
        if open_:
            hint = f"Next: {open_[0]}"
            if giver:
                hint += f" {giver} gave you this quest; they may know more."
        out.append(
            QuestEntry(
                qid,
                quest.title,
                "active",
                " ".join(stage.description.split()),
                open_,
                done,
                hint,
                giver,
                max(0, state.tick - qs.since),
                quest.main,
            )
        )
    out.sort(key=lambda q: (q.status != "active", not q.main, q.id))
    return QuestTracker(tuple(out))


# -------------------------------------------------------------------------- powers


@dataclass(frozen=True)
class Power(ReadModel):
    name: str
    kind: str  # "attack", "spell"
    effect: str
    cost: str


@dataclass(frozen=True)
class PowerAnalysis(ReadModel):
    hp: str
    resources: tuple[str, ...]
    powers: tuple[Power, ...]
    notes: tuple[str, ...] = ()


def power_analyzer(
    world: World, state: GameState, player_id: str, powers: list[str] | None = None
) -> PowerAnalysis:
    """What the character's attacks and spells do and cost now (the avatar's powers,
    when they exist, will join these). ``powers`` narrows to those names."""
    view = sheet_view(state.players[player_id].sheet, world)
    wanted = {p.lower().strip() for p in powers or [] if p.strip()}
    found: list[Power] = []
    for attack in view.attacks:
        found.append(Power(attack.name, "attack", f"{attack.chance}, {attack.damage}", "free"))
    for spell in view.spells:
        cost = spell.cost or (
            "at will" if spell.level == 0 else f"a {spell.level_label}-level slot"
        )
        found.append(Power(spell.name, "spell", f"{spell.level_label}: {spell.effect}", cost))
    notes: list[str] = []
    if wanted:
        kept = [p for p in found if p.name.lower() in wanted]
        missing = sorted(wanted - {p.name.lower() for p in kept})
        notes += [f"You have no power called {m}." for m in missing]
        found = kept
    resources = tuple(f"{r.label} {r.amount}" for r in view.resources if r.key != "hp")
    return PowerAnalysis(view.hp.amount, resources, tuple(found), tuple(notes))


# ------------------------------------------------------------------------- choices


@dataclass(frozen=True)
class Prospect(ReadModel):
    action: str
    needs: str  # what the rules require, "" when nothing
    risk: str  # what the rules say it risks, "" when nothing known


@dataclass(frozen=True)
class Prediction(ReadModel):
    place: str
    prospects: tuple[Prospect, ...]
    threats: tuple[str, ...] = ()


def story_predictor(world: World, state: GameState, player_id: str) -> Prediction:
    """The choices open from here and what the rules say each needs or risks: a locked
    way's requirement, a foe's attack and hit points. Never an authored outcome."""
    player = state.players[player_id]
    here = world.locations.get(player.location)
    place = here.name if here else player.location.replace("_", " ")
    prospects: list[Prospect] = []
    threats: list[str] = []
    foes = _foes_here(world, state, player.location)
    for name, line in foes:
        threats.append(line)
        prospects.append(Prospect(f"attack {name}", "", line))
    if here is not None:
        for direction, exit_ in here.exits.items():
            if exit_.to not in world.locations:
                continue
            open_ = holds(exit_.requires, state, player_id, world)
            if exit_.hidden and not open_:
                continue
            needs = "" if open_ else _needs(exit_.requires, world)
            prospects.append(
                Prospect(f"go {direction} to {world.locations[exit_.to].name}", needs, "")
            )
    for choice in state.choices:
        if not any(p.action == choice.command for p in prospects):
            prospects.append(Prospect(choice.command, "", ""))
    return Prediction(place, tuple(prospects), tuple(threats))


def _foes_here(world: World, state: GameState, location: str) -> list[tuple[str, str]]:
    out = []
    for cid in state.characters_at(location):
        npc = state.npcs[cid]
        character = world.characters.get(cid)
        if character is None or npc.defeated or npc.sheet is None or npc.attitude != "hostile":
            continue
        hits = ", ".join(f"{a.name} {a.damage}" for a in npc.sheet.attacks) or "bare hands"
        out.append((character.name, f"{character.name} hits for {hits} and has {npc.sheet.hp} HP"))
    return out


def _needs(requires: Condition | None, world: World) -> str:
    if requires is None:
        return "something not yet done"
    if requires.item:
        item = world.items.get(requires.item)
        return f"needs the {item.name if item else requires.item.replace('_', ' ')}"
    if requires.quest_done and requires.quest_done in world.quests:
        return f"needs the quest '{world.quests[requires.quest_done].title}' done"
    if requires.quest and requires.quest in world.quests:
        return f"needs progress in '{world.quests[requires.quest].title}'"
    return "something not yet done"


# -------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class ToolInfo(ReadModel):
    name: str
    permission: str  # "read" or "play"
    description: str
    arguments: dict[str, str] = field(default_factory=dict)


TOOL_INFO: tuple[ToolInfo, ...] = (
    ToolInfo(
        "memory_search",
        "read",
        "What your character witnessed or was told, across all your stories, best match first.",
        {"query": "words to look for"},
    ),
    ToolInfo(
        "lore_lookup", "read", "Lore your character knows about a topic.", {"topic": "a topic"}
    ),
    ToolInfo("relationship_map", "read", "The people you met, how they stand and why."),
    ToolInfo("quest_tracker", "read", "Your quests, their stage, open objectives and a hint."),
    ToolInfo(
        "power_analyzer",
        "read",
        "What your attacks and spells do and cost now.",
        {"powers": "optional list of names"},
    ),
    ToolInfo("story_predictor", "read", "The choices open from here and what each needs or risks."),
    ToolInfo("take_turn", "play", "Play one action in the story.", {"text": "what you do"}),
    ToolInfo("roll", "play", "Roll dice, e.g. 1d20+3.", {"expression": "dice notation"}),
    ToolInfo("sheet", "play", "Your character sheet."),
    ToolInfo("transcript", "play", "The last turns your character saw.", {"last_n": "how many"}),
)
