"""Short calls of the play service for tests: one ``Play`` per call, on a store.

``await playing.take_turn(uow, session_id, "look", narrator=gm)`` is
``await Play(uow, narrator=gm).act(session_id, "look")``: tests that play a story
step by step read like the story, and tests about the service itself (concurrency,
caches, quotas) build their ``Play`` once and keep it.
"""

from __future__ import annotations

from typing import Any

from storyai.core.domain.clock import Clock
from storyai.core.domain.records import EventRecord
from storyai.core.narrators.port import Narrator, OnText
from storyai.core.play import BranchInfo, Play, TurnResult
from storyai.core.play.loading import last_line
from storyai.core.play.results import result_of
from storyai.core.storage.ports import UnitOfWorkFactory


def play(
    uow: UnitOfWorkFactory, narrator: Narrator | None = None, clock: Clock | None = None
) -> Play:
    return Play(uow, narrator=narrator, clock=clock)


async def start_session(
    uow: UnitOfWorkFactory,
    world_id: str,
    *,
    narrator: Narrator | None = None,
    clock: Clock | None = None,
    **options: Any,
) -> TurnResult:
    return await play(uow, narrator, clock).start(world_id, **options)


async def take_turn(
    uow: UnitOfWorkFactory,
    session_id: str,
    text: str,
    *,
    narrator: Narrator | None = None,
    clock: Clock | None = None,
    player_id: str | None = None,
    on_text: OnText | None = None,
) -> TurnResult:
    return await play(uow, narrator, clock).act(
        session_id, text, player_id=player_id, on_text=on_text
    )


async def resume(
    uow: UnitOfWorkFactory, session_id: str, *, narrator: Narrator | None = None
) -> TurnResult:
    """The story where it was: a turn that was never told is told first (taken over at
    once, as a local player resuming their own story); else its last narration."""
    service = play(uow, narrator)
    told = await service.tell_pending(session_id, take_over=True)
    if told is not None:
        return told
    state, _ = await service.state(session_id)
    events = await service.history(session_id, last_turns=1)
    narrations = [e for e in events if e.kind == "narration"][-1:]
    return result_of(session_id, narrations, state)


async def rewind(
    uow: UnitOfWorkFactory,
    session_id: str,
    turn: int | None = None,
    *,
    clock: Clock | None = None,
    **options: Any,
) -> BranchInfo:
    return await play(uow, clock=clock).rewind(session_id, turn, **options)


async def switch_branch(uow: UnitOfWorkFactory, session_id: str, name: str) -> None:
    await play(uow).switch_branch(session_id, name)


async def rename_branch(uow: UnitOfWorkFactory, session_id: str, old: str, new: str) -> None:
    await play(uow).rename_branch(session_id, old, new)


async def list_branches(uow: UnitOfWorkFactory, session_id: str) -> list[BranchInfo]:
    return await play(uow).list_branches(session_id)


async def history(uow: UnitOfWorkFactory, session_id: str) -> list[EventRecord]:
    return await play(uow).history(session_id)


async def transcript(uow: UnitOfWorkFactory, session_id: str, fmt: str = "markdown") -> str:
    return await play(uow).transcript(session_id, fmt)


async def turn_tree(uow: UnitOfWorkFactory, session_id: str):
    return await play(uow).turn_tree(session_id)


async def join_session(
    uow: UnitOfWorkFactory,
    session_id: str,
    *,
    player_name: str,
    clock: Clock | None = None,
    narrator: Narrator | None = None,
    **options: Any,
) -> tuple[str, TurnResult]:
    options.setdefault("user_ref", f"local:{player_name}")  # a second local player
    seat, told = await play(uow, narrator, clock).join(session_id, name=player_name, **options)
    assert told is not None
    return seat.player_id, told


__all__ = ["last_line"]


async def recent_sessions(uow: UnitOfWorkFactory, **options: Any):
    return await play(uow).recent(**options)


async def session_world(uow: UnitOfWorkFactory, session_id: str):
    return (await play(uow).state(session_id))[1]
