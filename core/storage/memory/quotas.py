"""Quota counters in memory: each write takes the counter's lock, held until the unit
of work ends, and so sees what the previous holder committed, as an ``UPDATE`` waits
for a row lock."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from storyai.core.domain.records import QuotaCounter
from storyai.core.storage import behaviour
from storyai.core.storage.ports import QuotaRepository

if TYPE_CHECKING:
    from storyai.core.storage.memory.unit_of_work import InMemoryUnitOfWork


class InMemoryQuotaRepository(QuotaRepository):
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    async def take(
        self,
        scope: str,
        key: str,
        day: date,
        *,
        credits: int = 0,
        max_turns: int | None,
        max_credits: int | None,
    ) -> QuotaCounter | None:
        behaviour.check_quota_scope(scope)
        await self._uow.lock(("quota", scope, key, day))
        counter = self._uow.view.quota(scope, key, day)
        allowed = behaviour.quota_allows(
            counter.turns,
            counter.credits,
            add_credits=credits,
            max_turns=max_turns,
            max_credits=max_credits,
        )
        if not allowed:
            return None
        return await self.add(scope, key, day, turns=1, credits=credits)

    async def add(
        self, scope: str, key: str, day: date, *, turns: int = 0, credits: int = 0
    ) -> QuotaCounter:
        behaviour.check_quota_scope(scope)
        await self._uow.lock(("quota", scope, key, day))
        counter = self._uow.view.quota(scope, key, day)
        changed = replace(
            counter,
            turns=max(counter.turns + turns, 0),
            credits=max(counter.credits + credits, 0),
        )
        self._uow.pending.quotas[(scope, key, day)] = changed
        return changed

    async def get(self, scope: str, key: str, day: date) -> QuotaCounter:
        behaviour.check_quota_scope(scope)
        return self._uow.view.quota(scope, key, day)
