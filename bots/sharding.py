"""Which shards a bot process runs: ``STORYAI_SHARD_IDS`` (``0`` or ``0,2``) and
``STORYAI_SHARD_COUNT`` (a number, or ``auto``: as many as Discord recommends, all in
this process). Unset: one unsharded connection, as before.

Every process of a sharded bot shares one database; each hears only its servers'
events (Discord routes them by ``(guild_id >> 22) % shard_count``) and tends only
its servers' stories (``Play.tend(shard=...)``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from storyai.core.domain.errors import SettingsError

IDS_ENV = "STORYAI_SHARD_IDS"
COUNT_ENV = "STORYAI_SHARD_COUNT"


@dataclass(frozen=True)
class Shards:
    ids: list[int] | None = None
    count: int | None = None
    auto: bool = False

    @property
    def sharded(self) -> bool:
        return self.auto or self.count is not None


def read_shards(env: Mapping[str, str] = os.environ) -> Shards:
    """The shard setting from the environment (``SettingsError`` when it is wrong)."""
    raw_ids = env.get(IDS_ENV, "").strip()
    raw_count = env.get(COUNT_ENV, "").strip().lower()
    if not raw_count:
        if raw_ids:
            raise SettingsError(
                f"{IDS_ENV} is set but {COUNT_ENV} is not.",
                hint=f"set {COUNT_ENV} to the number of shards of the whole bot",
            )
        return Shards()
    if raw_count == "auto":
        if raw_ids:
            raise SettingsError(f"{IDS_ENV} needs a number in {COUNT_ENV}, not auto.")
        return Shards(auto=True)
    try:
        count = int(raw_count)
        ids = [int(part) for part in raw_ids.split(",") if part.strip()] if raw_ids else None
    except ValueError:
        raise SettingsError(
            f"{COUNT_ENV} must be a number or auto, and {IDS_ENV} numbers like 0,2."
        ) from None
    if count < 1:
        raise SettingsError(f"{COUNT_ENV} must be at least 1.")
    if ids is not None and (not ids or any(not 0 <= i < count for i in ids)):
        raise SettingsError(f"{IDS_ENV} must be shard numbers from 0 to {count - 1}.")
    return Shards(ids=ids if ids is not None else list(range(count)), count=count)
