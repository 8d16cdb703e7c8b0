"""Tending: what happens to stories in channels while nobody acts.

An idle player's time runs out (turn mode), a free-mode round's window closes, a
telling's teller stopped (its lease ran out). Stories that need it are found through
the indexed ``deadline`` of the session row, never by reading every story, and are
tended side by side, so one slow telling does not hold up the others.
"""

from __future__ import annotations

import asyncio

from storyai.core.domain.records import SessionRecord
from storyai.core.narrators.port import Narrator
from storyai.core.play import acting
from storyai.core.play.pipeline import Deps
from storyai.core.play.results import Tended
from storyai.core.play.tableside import Shard


async def tend(
    deps: Deps, *, narrator: Narrator, limit: int = 50, shard: Shard | None = None
) -> list[Tended]:
    """Tend every story in a channel that is due now (at most ``limit``); with a
    ``shard``, only the stories of that shard's servers (another process tends the
    others)."""
    wanted = limit * (shard.count if shard is not None else 1)
    async with deps.uow() as uow:
        due = await uow.sessions.due(deps.clock.now(), limit=wanted)
    mine = [s for s in due if s.channel is not None and (shard is None or shard.owns(s))]
    found = await asyncio.gather(*(_tend_one(deps, s, narrator) for s in mine[:limit]))
    return [t for tended in found for t in tended]


async def _tend_one(deps: Deps, session: SessionRecord, narrator: Narrator) -> list[Tended]:
    out: list[Tended] = []
    lease = session.telling
    if lease is not None and lease.until > deps.clock.now():
        return out  # being told right now: its teller finishes it
    if lease is not None:
        told = await acting.tell_pending(deps, session.id, narrator=narrator)
        if told is not None:
            out.append(Tended(session.id, session.channel, result=told))
    notice = await acting.skip_idle(deps, session.id)
    if notice:
        out.append(Tended(session.id, session.channel, notice=notice))
    result = await acting.resolve_round(deps, session.id, narrator=narrator)
    if result is not None:
        out.append(Tended(session.id, session.channel, result=result))
    return out
