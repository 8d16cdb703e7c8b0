"""The composition root: the only place that wires adapters together.

``build()`` loads the settings tree once (``storyai.core.config``) and returns a
``Container`` with what every interface (the TUI, the CLI commands, the Discord
bot) needs: the settings, the database and its unit of work, the configured
narrator (with its label and warnings), the quota policy, the clock, and the play
service built from them (``play``), which every story use case goes through.

The database and the narrator are made on first use: a command that never touches
the database (``storyai run`` without ``--save``) opens none, and one that never
narrates imports no provider SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from storyai.core.config import Settings, load_settings

if TYPE_CHECKING:
    from storyai.core.domain.clock import Clock
    from storyai.core.media.service import MediaService
    from storyai.core.narrators.configured import Configured
    from storyai.core.play import Play
    from storyai.core.quotas import QuotaPolicy
    from storyai.core.storage.database import Database
    from storyai.core.storage.ports import UnitOfWork


@dataclass
class Container:
    """Everything a use case needs, built from settings."""

    settings: Settings
    provider: str | None = None
    """``--provider``: narrate with this one first ("offline": the built-in narrator)."""
    model: str | None = None
    """``--model``: that provider's model instead of its configured one."""

    @cached_property
    def clock(self) -> Clock:
        """Time, ids and seeds (assign another to fix them)."""
        from storyai.core.domain.clock import Clock

        return Clock()

    @cached_property
    def quota(self) -> QuotaPolicy:
        """The daily limits (``[quota]``, ``STORYAI_QUOTA_*``)."""
        return self.settings.quota.policy()

    @cached_property
    def database(self) -> Database:
        """The configured database (``database_url``); no I/O until first used."""
        from storyai.core.storage.database import Database, default_database_url

        return Database(self.settings.database_url or default_database_url())

    def uow(self) -> UnitOfWork:
        from storyai.core.storage.sql import SqlUnitOfWork

        return SqlUnitOfWork(self.database)

    @cached_property
    def narrator(self) -> Configured:
        """The configured narrator, its label and warnings; built on first use (it may
        import a provider's SDK). Raises ``StoryError`` when ``provider`` is not
        configured."""
        from storyai.core.narrators.configured import narrator_for

        return narrator_for(self.settings, provider=self.provider, model=self.model)

    @cached_property
    def play(self) -> Play:
        """The play service: the database, the configured narrator, the quota policy and
        the clock, shared by every story this process plays (built on first use)."""
        from storyai.core.play import Play

        return Play(self.uow, narrator=self.narrator.narrator, clock=self.clock, quota=self.quota)

    @cached_property
    def media(self) -> MediaService:
        """Pictures and voices (``[media]``): the configured adapters, the file store, the
        play service and the quota policy (built on first use; imports no SDK until a
        picture or line is asked for)."""
        from storyai.core.media.build import media_service

        return media_service(self.settings.media, self.play, policy=self.quota, clock=self.clock)

    async def open(self) -> None:
        """Connect to the database and make sure its schema is current: SQLite
        databases are migrated (local, single user); PostgreSQL ones need
        `storyai db upgrade`, since several processes share them."""
        from storyai.core.storage.database import ensure_ready

        database = self.database
        await ensure_ready(database, auto_migrate=database.is_sqlite)

    async def close(self) -> None:
        if "play" in self.__dict__:  # warm-ups still reading must not outlive the database
            await self.play.stop_warming()
        if "database" in self.__dict__:
            await self.database.dispose()


async def build(
    settings: Settings | None = None,
    *,
    migrate: bool = True,
    provider: str | None = None,
    model: str | None = None,
) -> Container:
    """Load the settings (unless given) and, with ``migrate``, open the configured
    database (``Container.open``); without, nothing touches it until it is used."""
    container = Container(settings or load_settings(), provider=provider, model=model)
    if migrate:
        try:
            await container.open()
        except BaseException:
            await container.close()
            raise
    return container
