"""In-process locks per session, for the adapters without a lock server (memory, SQLite).

A unit of work takes a session's lock with ``HeldLocks.acquire`` and lets go of
every lock it holds with ``release_all`` when it commits, rolls back or closes,
as PostgreSQL releases a transaction-level advisory lock. The registry keeps a
lock only while someone holds it or waits for it (a ``WeakValueDictionary``),
so it never grows with the number of sessions ever played.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Hashable


class LockRegistry:
    """One ``asyncio.Lock`` per key, shared by every unit of work using this registry."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[Hashable, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def lock_for(self, key: Hashable) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock


class HeldLocks:
    """The locks one unit of work holds. Not shared between tasks, like the unit of work."""

    def __init__(self, registry: LockRegistry) -> None:
        self._registry = registry
        self._held: dict[Hashable, asyncio.Lock] = {}

    async def acquire(self, key: Hashable) -> bool:
        """Wait for the lock of ``key``; False if this unit of work holds it already
        (re-entrant, like ``pg_advisory_xact_lock`` within one transaction)."""
        if key in self._held:
            return False
        lock = self._registry.lock_for(key)
        await lock.acquire()
        self._held[key] = lock  # no await in between: a cancellation cannot leak it
        return True

    def release_all(self) -> None:
        held, self._held = self._held, {}
        for lock in held.values():
            lock.release()
