"""Daily quota counters, written by upserts only.

The first write of a day inserts the row, later ones update it in place under its row
lock: one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` statement checks the limit and
counts, so concurrent reservations never pass the last slot twice, across processes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, select
from sqlalchemy.dialects import postgresql, sqlite

from storyai.core.domain.records import QuotaCounter
from storyai.core.storage import behaviour
from storyai.core.storage.orm import QuotaCounterRow
from storyai.core.storage.ports import QuotaRepository
from storyai.core.storage.sql.link import Link
from storyai.core.storage.sql.rows import quota_counter

QUOTA_COUNTERS = QuotaCounterRow.__table__
_QUOTA = QUOTA_COUNTERS.c
_QUOTA_KEY = [_QUOTA.scope, _QUOTA.key, _QUOTA.day]


class SqlQuotaRepository(QuotaRepository):
    """``quota_counters``, written by upserts only: the first write of a day inserts the
    row, later ones update it in place under its row lock (see the module docstring)."""

    def __init__(self, link: Link) -> None:
        self._link = link

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
        # A first write inserts the row at 1 turn, which the WHERE below never checks.
        allowed = behaviour.quota_allows(
            0, 0, add_credits=credits, max_turns=max_turns, max_credits=max_credits
        )
        if not allowed:
            return None
        within: list[ColumnElement[bool]] = []
        if max_turns is not None:
            within.append(_QUOTA.turns < max_turns)
        if credits > 0 and max_credits is not None:
            within.append(_QUOTA.credits + credits <= max_credits)
        statement = (
            self._insert()
            .values(scope=scope, key=key, day=day, turns=1, credits=credits)
            .on_conflict_do_update(
                index_elements=_QUOTA_KEY,
                set_={"turns": _QUOTA.turns + 1, "credits": _QUOTA.credits + credits},
                where=and_(*within) if within else None,
            )
            .returning(_QUOTA.turns, _QUOTA.credits)
        )
        found = (await self._link.write(statement)).first()
        return None if found is None else quota_counter(scope, key, day, found[0], found[1])

    async def add(
        self, scope: str, key: str, day: date, *, turns: int = 0, credits: int = 0
    ) -> QuotaCounter:
        behaviour.check_quota_scope(scope)
        statement = (
            self._insert()
            .values(scope=scope, key=key, day=day, turns=max(turns, 0), credits=max(credits, 0))
            .on_conflict_do_update(
                index_elements=_QUOTA_KEY,
                set_={
                    "turns": _at_least_zero(_QUOTA.turns + turns),
                    "credits": _at_least_zero(_QUOTA.credits + credits),
                },
            )
            .returning(_QUOTA.turns, _QUOTA.credits)
        )
        found = (await self._link.write(statement)).one()
        return quota_counter(scope, key, day, found[0], found[1])

    async def get(self, scope: str, key: str, day: date) -> QuotaCounter:
        behaviour.check_quota_scope(scope)
        query = select(_QUOTA.turns, _QUOTA.credits).where(
            _QUOTA.scope == scope, _QUOTA.key == key, _QUOTA.day == day
        )
        found = (await self._link.run(query)).first()
        turns, credits = (found[0], found[1]) if found is not None else (0, 0)
        return quota_counter(scope, key, day, turns, credits)

    def _insert(self) -> Any:
        dialect = postgresql if self._link.postgres else sqlite
        return dialect.insert(QUOTA_COUNTERS)


def _at_least_zero(value: ColumnElement[int]) -> ColumnElement[int]:
    return case((value < 0, 0), else_=value)
