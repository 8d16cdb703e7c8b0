"""Stored records the storage port hands back: plain, immutable domain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class WorldVersionRecord:
    """One installed version of a world: the canonical content and where it came from."""

    world_id: str
    version: str
    title: str
    content: dict[str, Any]
    content_hash: str
    installed_at: datetime
    source: str = ""
    forked_from: str | None = None  # "world_id@version"


@dataclass(frozen=True)
class WorldSummary:
    """A world id with its versions, newest first."""

    world_id: str
    title: str
    versions: tuple[str, ...]
    latest: str
    forked_from: str | None = None
    sessions: int = 0


@dataclass(frozen=True)
class SessionRecord:
    id: str
    world_id: str
    world_version: str
    title: str
    status: str  # "active", "ended"
    active_branch: str
    created_at: datetime
    updated_at: datetime
    channel: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
