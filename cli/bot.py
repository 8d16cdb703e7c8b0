"""`storyai bot`: run the Discord bot."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from storyai.cli.narration import model_option, provider_option, show_warnings
from storyai.core.domain.errors import SettingsError

if TYPE_CHECKING:
    from storyai.core.config import Settings

TOKEN_ENV = "STORYAI_DISCORD_TOKEN"


def bot(provider: str = provider_option(), model: str = model_option()) -> None:
    """Run the Discord bot: stories in channels and threads, with slash commands.

    The bot token comes from STORYAI_DISCORD_TOKEN. Several bot processes may share
    one PostgreSQL database (run `storyai db upgrade` first); a story's turns are
    never played twice. Sharded: STORYAI_SHARD_COUNT (a number, or auto) and
    STORYAI_SHARD_IDS (this process's shards, e.g. 0 or 1,3); each process tends
    only its servers' stories.

    [bold]Example[/bold]

      STORYAI_DISCORD_TOKEN=... STORYAI_DATABASE_URL=postgresql://... storyai bot
    """
    from storyai.core.config import load_settings

    settings = load_settings()
    token = settings.discord.token.get_secret_value() if settings.discord.token else ""
    if not token:
        raise SettingsError(
            f"{TOKEN_ENV} is not set.",
            hint="create a bot at https://discord.com/developers/applications, copy its "
            f"token, then export {TOKEN_ENV}=... (or set token in the [discord] table of "
            "the storyai config file)",
        )
    asyncio.run(_serve(settings, token, provider, model))


async def _serve(settings: Settings, token: str, provider: str | None, model: str | None) -> None:
    import gc

    import discord

    from storyai.bots import endpoints
    from storyai.bots.client import story_bot
    from storyai.bots.sharding import read_shards
    from storyai.cli.errors import err_console
    from storyai.cli.play import install_bundled, skipped_notices
    from storyai.core.bootstrap import build

    container = await build(settings, provider=provider, model=model)
    try:
        show_warnings(container.narrator)
        for notice in skipped_notices(await install_bundled(container)):
            err_console.print(notice, style="yellow", markup=False, highlight=False)
        endpoints.apply(settings.discord)
        # What was loaded to start (modules, worlds, schemas: most of the heap) stays for
        # the life of the process: kept out of the garbage collector's full passes, which
        # otherwise stop every story for tens of milliseconds.
        gc.freeze()
        media = container.media if settings.media.enabled and settings.media.image else None
        # its narrator, quota policy, clock and database; its shards (bots.sharding);
        # pictures when [media] has any
        client = story_bot(container.play, read_shards(), media=media)
        try:
            await client.start(token)
        except discord.LoginFailure:
            raise SettingsError(
                "Discord refused the bot token.",
                hint=f"check {TOKEN_ENV}: copy it again from the developer portal",
            ) from None
        finally:
            await client.close()
    finally:
        await container.close()
