"""What a player would notice after a few turns on a weak real model.

Not the prose (a 135M model writes poorly), only the invariants: every action was
told (by the model, or in the engine's words with a notice), nothing leaked a
traceback, the state stayed within the rules, and the model calls were recorded with
their tokens and provider. Also how each turn came about: parsed at once, repaired,
or told without the model's reply ("fallback").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from storyai.core.domain.events import Narration, PlayerAction, PlayerJoined
from storyai.core.domain.state import GameState
from storyai.core.domain.world import World
from storyai.core.narrators.ai import FALTERED, PROSE
from storyai.core.play.loading import state_at
from storyai.core.storage.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class Told:
    turn: int
    action: str | None  # None: the opening
    narration: Narration
    state: GameState  # right after the narration

    @property
    def outcome(self) -> str:
        error = self.narration.error or ""
        if not error or error.startswith("left out"):
            return "parsed"
        if error.startswith("repaired:"):
            return "repaired"
        if error.startswith(PROSE):
            return "prose"  # the model's story, told without its JSON
        return "fallback"

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.narration.lines]


async def told_turns(uow_factory: UnitOfWorkFactory, session_id: str) -> list[Told]:
    """Every narration on the story's active line, with the action it told and the state
    after it. Fails if an action (or the opening) was never told."""
    out: list[Told] = []
    async with uow_factory() as uow:
        opened = await uow.sessions.open(session_id)
        assert opened.head is not None and opened.branch is not None
        lineage = opened.branch.lineage
        events = await uow.events.on_line(session_id, lineage, max_depth=opened.head.depth)
        waiting: tuple[int, str | None] | None = None
        for record in events:
            event = record.event
            if isinstance(event, PlayerAction | PlayerJoined):
                assert waiting is None, f"turn {waiting[0]} ({waiting[1]!r}) was never told"
                waiting = (record.turn, event.text if isinstance(event, PlayerAction) else None)
            elif isinstance(event, Narration):
                assert waiting is not None, f"a narration at turn {record.turn} tells nothing"
                state = await state_at(uow, lineage, record)
                out.append(Told(waiting[0], waiting[1], event, state.fork()))
                waiting = None
        assert waiting is None, f"turn {waiting[0]} ({waiting[1]!r}) was never told"
    return out


def check_turns(world: World, told: list[Told], provider: str) -> None:
    """The invariants a player would notice; raises AssertionError naming the turn."""
    assert told, "nothing was told"
    for t in told:
        where = f"turn {t.turn} ({t.action or 'opening'!r}, {t.outcome})"
        shown = [x for x in t.texts if x.strip()]
        assert shown, f"{where}: told nothing"
        for text in [*shown, t.narration.error or ""]:
            assert "Traceback" not in text and 'File "' not in text, f"{where}: {text!r}"
        usage = t.narration.usage
        if t.outcome in ("fallback", "prose"):
            # told in the engine's words (or the model's narrative, salvaged whole), with why
            assert t.narration.error.strip(), f"{where}: no reason recorded"
            kinds = {line.kind for line in t.narration.lines}
            assert FALTERED in t.texts or "narration" in kinds, f"{where}: {t.texts}"
        if t.outcome != "fallback" or (usage is not None and usage.calls):
            assert usage is not None, f"{where}: no usage recorded"
            assert usage.input_tokens > 0 and usage.output_tokens > 0, f"{where}: {usage}"
            assert provider in usage.provider.split("+"), f"{where}: {usage.provider!r}"
        assert t.narration.narrator.startswith(provider), f"{where}: {t.narration.narrator!r}"
        me = player(t.state)
        assert 0 < me.sheet.hp <= me.sheet.max_hp, f"{where}: HP {me.sheet.hp}"
        assert me.location in world.locations, f"{where}: at {me.location!r}"
    for before, after in itertools.pairwise(told):
        was, now = player(before.state), player(after.state)
        where = f"turn {after.turn} ({after.action!r})"
        assert now.sheet.gold <= was.sheet.gold, f"{where}: gold {was.sheet.gold}→{now.sheet.gold}"
        exits = {e.to for e in world.locations[was.location].exits.values()}
        assert now.location in {was.location, *exits}, (
            f"{where}: moved from {was.location!r} to {now.location!r}"
        )


def player(state: GameState):
    return next(iter(state.players.values()))
