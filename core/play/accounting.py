"""What a story's models cost: tokens and money per turn, per player, in total.

Every model call's usage is stored with the event it produced (a narration, a chapter
summary), so the accounts follow the event log: nothing to keep in step, and turns on
abandoned branches still count, because they were paid for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from storyai.core.domain.events import ChapterClosed, Narration, StateChanged
from storyai.core.llm.port import Usage
from storyai.core.play.pipeline import Deps


@dataclass
class TurnUsage:
    turn: int
    kind: str  # "narration" or "summary"
    player: str
    usage: Usage


@dataclass
class UsageReport:
    session_id: str
    total: Usage = field(default_factory=Usage)
    by_player: dict[str, Usage] = field(default_factory=dict)  # display name -> usage
    turns: list[TurnUsage] = field(default_factory=list)

    @property
    def cache_hit_ratio(self) -> float:
        return self.total.cached_tokens / self.total.input_tokens if self.total.input_tokens else 0


async def session_usage(deps: Deps, session_id: str) -> UsageReport:
    async with deps.uow() as uow:
        await uow.sessions.get(session_id)  # SessionNotFound when it does not exist
        players = {p.id: p.display_name for p in await uow.players.list(session_id)}
        events = await uow.events.list(session_id)
    report = UsageReport(session_id)
    for record in events:
        event = record.event
        if not isinstance(event, Narration | ChapterClosed | StateChanged) or event.usage is None:
            continue
        raw = event.usage.model_dump()
        usage = Usage.from_dict(raw)
        player = players.get(event.usage.player, event.usage.player or "?")
        kind = "narration" if isinstance(event, Narration) else "summary"
        report.turns.append(TurnUsage(record.turn, kind, player, usage))
        report.total.add(usage)
        report.by_player.setdefault(player, Usage()).add(usage)
    return report
