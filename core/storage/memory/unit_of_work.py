"""The in-memory store and its unit of work."""

from __future__ import annotations

from collections.abc import Hashable

from storyai.core.storage.locks import HeldLocks, LockRegistry
from storyai.core.storage.memory.companions import (
    CompanionTables,
    InMemoryCompanionRepository,
    InMemoryMcpTokenRepository,
    commit_companions,
)
from storyai.core.storage.memory.legacy import InMemoryLegacyRepository
from storyai.core.storage.memory.library import InMemoryLibraryRepository
from storyai.core.storage.memory.quotas import InMemoryQuotaRepository
from storyai.core.storage.memory.recall import InMemoryRecallRepository
from storyai.core.storage.memory.sessions import InMemoryPlayerRepository, InMemorySessionRepository
from storyai.core.storage.memory.store import Committed, Pending, View, commit
from storyai.core.storage.memory.tree import (
    InMemoryBranchRepository,
    InMemoryEventRepository,
    InMemorySnapshotRepository,
)
from storyai.core.storage.memory.worlds import InMemoryWorldRepository
from storyai.core.storage.ports import UnitOfWork


class InMemoryStore:
    """The committed data, shared by every unit of work made from it."""

    def __init__(self) -> None:
        self.committed = Committed()
        self.companion_tables = CompanionTables()
        self.locks = LockRegistry()

    def unit_of_work(self) -> InMemoryUnitOfWork:
        """A new unit of work; pass the bound method as a ``UnitOfWorkFactory``."""
        return InMemoryUnitOfWork(self)


class InMemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: InMemoryStore) -> None:
        self.committed = store.committed
        self.pending = Pending()
        self.view = View(self.committed, self.pending)
        self._held = HeldLocks(store.locks)
        self.worlds = InMemoryWorldRepository(self)
        self.sessions = InMemorySessionRepository(self)
        self.players = InMemoryPlayerRepository(self)
        self.events = InMemoryEventRepository(self)
        self.recall = InMemoryRecallRepository(self)
        self.branches = InMemoryBranchRepository(self)
        self.snapshots = InMemorySnapshotRepository(self)
        self.quotas = InMemoryQuotaRepository(self)
        self.library = InMemoryLibraryRepository(self)
        self._companion_tables = store.companion_tables
        self.companions: InMemoryCompanionRepository = InMemoryCompanionRepository(
            store.companion_tables
        )
        self.mcp_tokens: InMemoryMcpTokenRepository = InMemoryMcpTokenRepository(
            store.companion_tables
        )
        self.legacy = InMemoryLegacyRepository(self)

    async def lock(self, key: Hashable) -> None:
        await self._held.acquire(key)

    def _reset(self) -> None:
        self.companions.pending = []
        self.mcp_tokens.pending = {}
        self.pending = Pending()
        self.view = View(self.committed, self.pending)

    async def commit(self) -> None:
        try:
            if not self.pending.empty():
                commit(self.committed, self.pending)
            commit_companions(self._companion_tables, self.companions, self.mcp_tokens)
        finally:
            self._reset()
            self._held.release_all()

    async def rollback(self) -> None:
        self._reset()
        self._held.release_all()

    async def close(self) -> None:
        self._held.release_all()
