"""A world's playtests: scripted stories, each with what should hold at its end.

``storyai world test`` runs every one (offline, seeded, each on a store of its own in
memory, so nothing is saved) and reports each miss with the last turns played and
what was seen instead of what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from storyai.core import services
from storyai.core.domain.identity import IdentityRequest
from storyai.core.domain.state import GameState
from storyai.core.domain.world import Expectation, Playtest, World
from storyai.core.play import Play, TurnResult
from storyai.core.storage.memory import InMemoryStore

if TYPE_CHECKING:
    from storyai.core.companion.service import CompanionReply, RemarkLimits

DEATH = "__death"
"""The ending the engine records when the player's character dies."""
SHOWN_TURNS = 3
"""How many of the last turns a failing playtest shows."""
SHOWN_LINES = 4
"""How many of a shown turn's last lines are shown."""


@dataclass
class Played:
    results: list[TurnResult]
    session_id: str


async def play_script(
    play: Play,
    world: World,
    inputs: list[str],
    *,
    seed: int,
    name: str,
    archetype: str | None,
    identity: IdentityRequest | None = None,
    picks: Sequence[str] = (),
    heirlooms: Sequence[str] = (),
    legacy_title: str | None = None,
    buys: Sequence[str] = (),
    followers: Sequence[str] = (),
    on_turn: Callable[[str | None, TurnResult], None] | None = None,
    version: str | None = None,
    remarks: RemarkLimits | None = None,
    on_remark: Callable[[CompanionReply], None] | None = None,
) -> Played:
    """Start a story in ``world`` (installed where ``play`` plays, as ``version``: by
    default its own) and play ``inputs`` (blank and ``#`` lines skipped) until they run
    out or the story ends. ``picks`` answer level-up choices in order, each as soon as
    one is pending (``str``, ``dex con``: what ``improve`` takes). With ``on_remark``,
    the companion may speak up after each turn played (within ``remarks``)."""
    start = await play.start(
        world.id,
        version=version or world.version,
        player_name=name,
        archetype=archetype,
        identity=identity,
        heirlooms=list(heirlooms) or None,
        legacy_title=legacy_title,
        buys=list(buys) or None,
        followers=list(followers) or None,
        seed=seed,
    )
    results = [start]
    if on_turn:
        on_turn(None, start)
    waiting = list(picks)

    async def answer_level_ups(result: TurnResult) -> None:
        while waiting and _improvements(result) and not result.ended:
            text = f"improve {waiting.pop(0)}"
            result = await play.act(start.session_id, text)
            results.append(result)
            if on_turn:
                on_turn(text, result)

    for text in inputs:
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        result = await play.act(start.session_id, text)
        results.append(result)
        if on_turn:
            on_turn(text, result)
        if on_remark is not None and result.events and not result.ended:
            remark = await play.companion.remark(start.session_id, limits=remarks)
            if remark is not None:
                on_remark(remark)
        if result.ended:
            break
        await answer_level_ups(result)
    return Played(results, start.session_id)


def _improvements(result: TurnResult) -> int:
    """Level-up choices pending for the (only) player after ``result``."""
    state = result.state
    return sum(p.sheet.improvements for p in state.players.values()) if state else 0


def ending_title(world: World, ending: str) -> str:
    """What to call an ending: its title from the world, or that the hero died."""
    if ending == DEATH:
        return "your character died"
    for quest in world.quests.values():
        for e in quest.endings:
            if e.id == ending:
                return f"{e.title} ({e.id})"
    return ending


@dataclass(frozen=True)
class Miss:
    """An expectation that did not hold: which one (``field`` of ``expect:``, with its
    ``expected`` value) and what was seen."""

    field: str
    expected: str
    reason: str


def check_expectation(
    test: Playtest, world: World, state: GameState, told: Sequence[str] = ()
) -> Miss | None:
    """None when the playtest's expectation holds, else the first part that does not.
    ``told`` is every line the story told, in order (for ``expect.told``)."""
    e = test.expect
    player = next(iter(state.players.values()))
    if state.ending == DEATH and e.ending != DEATH:
        field = next((f for f in Expectation.model_fields if getattr(e, f)), "ending")
        return Miss(field, str(getattr(e, field)), f"your character died at turn {state.turn}")
    if e.ending and state.ending != e.ending:
        got = f"'{state.ending}'" if state.ending else "no ending"
        return Miss("ending", e.ending, f"expected ending '{e.ending}', got {got}")
    if e.quest_done:
        qs = state.quests.get(e.quest_done)
        if qs is None or qs.status != "done":
            now = _quest_now(world, e.quest_done, state)
            return Miss(
                "quest_done",
                e.quest_done,
                f"expected quest '{e.quest_done}' to be complete, but it is {now}",
            )
    if e.stage and not e.quest:
        return Miss(
            "stage",
            e.stage,
            f"the expectation names stage '{e.stage}' but no `quest:` it belongs to",
        )
    if e.quest:
        miss = _quest_miss(world, e.quest, e.stage, state)
        if miss is not None:
            return miss
    if e.location and player.location != e.location:
        return Miss(
            "location", e.location, f"expected to be at '{e.location}', but at '{player.location}'"
        )
    if e.flag and e.flag not in state.flags:
        flags = ", ".join(sorted(state.flags)) or "none"
        return Miss("flag", e.flag, f"expected flag '{e.flag}' to be set (set: {flags})")
    if e.level is not None and player.sheet.level != e.level:
        return Miss(
            "level", str(e.level), f"expected level {e.level}, at level {player.sheet.level}"
        )
    if e.has_item and player.sheet.count(e.has_item) <= 0:
        carried = ", ".join(sorted(player.sheet.inventory)) or "nothing"
        return Miss(
            "has_item", e.has_item, f"expected to carry '{e.has_item}' (carrying: {carried})"
        )
    return _missing_told(e.told, told)


def _missing_told(wanted: Sequence[str], told: Sequence[str]) -> Miss | None:
    """None when each of ``wanted`` was told, each first told after the one before it
    was first told; else what went otherwise."""
    transcript = "\n".join(told)
    previous, at = "", -1
    for words in wanted:
        found = transcript.find(words)
        if found < 0:
            return Miss("told", words, f"expected the story to tell '{words}'")
        if found <= at:
            late = f"expected '{words}' to be told after '{previous}', but it came first"
            return Miss("told", words, late)
        previous, at = words, found
    return None


def _quest_now(world: World, quest_id: str, state: GameState) -> str:
    qs = state.quests.get(quest_id)
    quest = world.quests.get(quest_id)
    if qs is None or qs.status == "inactive":
        return "not started"
    if qs.status == "done":
        return "done"
    stages = [s.id for s in quest.stages] if quest else []
    return f"at stage '{stages[qs.stage]}'" if qs.stage < len(stages) else qs.status


def _quest_miss(world: World, quest_id: str, stage: str | None, state: GameState) -> Miss | None:
    qs = state.quests.get(quest_id)
    started = qs is not None and qs.status != "inactive"
    quest = world.quests.get(quest_id)
    stage_ids = [s.id for s in quest.stages] if quest else []
    if stage and stage not in stage_ids:
        return Miss(
            "stage",
            stage,
            f"quest '{quest_id}' has no stage '{stage}' (its stages: {', '.join(stage_ids)})",
        )
    if not started or qs is None:
        return Miss("quest", quest_id, f"expected quest '{quest_id}' to have started")
    if stage:
        reached = len(stage_ids) if qs.status == "done" else qs.stage
        if stage_ids.index(stage) > reached:
            return Miss(
                "stage",
                stage,
                f"expected quest '{quest_id}' to reach stage '{stage}', but it is "
                + _quest_now(world, quest_id, state),
            )
    return None


@dataclass(frozen=True)
class PlayedTurn:
    """One turn as a failing playtest shows it: the input (None: the opening) and the
    last lines it told."""

    input: str | None
    lines: tuple[str, ...]
    more: int = 0
    """Earlier lines of the turn not shown."""


@dataclass(frozen=True)
class PlaytestResult:
    index: int
    """Where the playtest is in the world's ``playtests:`` list."""
    name: str
    turns: int
    miss: Miss | None = None
    last_turns: tuple[PlayedTurn, ...] = ()
    """The last few turns played (only for a miss)."""
    ended: str | None = None
    """The ending reached, if the story ended."""
    unplayed: int = 0
    """Inputs left unplayed because the story ended first."""

    @property
    def passed(self) -> bool:
        return self.miss is None


def _turn(text: str | None, result: TurnResult) -> PlayedTurn:
    told = [
        f"{line.speaker}: {line.text}" if line.kind == "dialogue" and line.speaker else line.text
        for line in result.lines
        if line.kind != "heading"
    ]
    return PlayedTurn(text, tuple(told[-SHOWN_LINES:]), max(0, len(told) - SHOWN_LINES))


async def run_playtest(world: World, index: int) -> PlaytestResult:
    """Play one playtest offline on a store of its own and check its expectation."""
    test = world.playtests[index]
    store = InMemoryStore()
    await services.install_world(store.unit_of_work, world, source="playtest")
    shown: list[PlayedTurn] = []
    played = await play_script(
        Play(store.unit_of_work),
        world,
        test.inputs,
        seed=test.seed,
        name="Tester",
        archetype=test.archetype,
        identity=IdentityRequest(background=test.background) if test.background else None,
        picks=test.picks,
        on_turn=lambda text, result: shown.append(_turn(text, result)),
    )
    last = played.results[-1]
    told = [line.text for result in played.results for line in result.lines]
    miss = check_expectation(test, world, last.state, told)
    typed = [t for t in test.inputs if t.strip() and not t.lstrip().startswith("#")]
    turns = len(played.results) - 1
    return PlaytestResult(
        index,
        test.name,
        turns,
        miss,
        tuple(shown[-SHOWN_TURNS:]) if miss else (),
        last.ended,
        len(typed) - turns,
    )


async def run_playtests(world: World) -> list[PlaytestResult]:
    """Every playtest of ``world``, in order, whether or not an earlier one missed."""
    return [await run_playtest(world, i) for i in range(len(world.playtests))]
