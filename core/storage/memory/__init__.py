"""The in-memory adapter of the storage port, for unit tests and throwaway runs.

It behaves like the SQL adapter, transactions included: a unit of work records its
writes in a pending overlay (``store.Pending``) that only it sees; ``commit()`` checks
them against what others committed meanwhile (a duplicate id, a taken seq, a second
running story in a channel: what a database constraint would refuse) and applies them
all at once, or none. ``rollback()``, or leaving the block without committing,
discards them. Reads see the committed data plus the unit of work's own writes, as
READ COMMITTED does.

Every read and write touches only the entries it names (per-session indexes by depth
and by word stem), so the store costs the same at turn 10 and turn 10,000.

``sessions.lock`` (and ``open(lock=True)``) takes an ``asyncio.Lock`` per session, and
every ``quotas`` write one per counter, held until the unit of work ends.

Usage::

    store = InMemoryStore()
    play = Play(store.unit_of_work, ...)   # a UnitOfWorkFactory
"""

from storyai.core.storage.memory.unit_of_work import InMemoryStore, InMemoryUnitOfWork

__all__ = ["InMemoryStore", "InMemoryUnitOfWork"]
