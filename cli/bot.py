"""`storyai bot`: run the Discord bot."""

from __future__ import annotations

import asyncio
import os

import discord

from storyai.cli.narration import configured_narrator, model_option, provider_option
from storyai.cli.play import install_bundled
from storyai.core.bootstrap import build
from storyai.core.domain.errors import StoryError

TOKEN_ENV = "STORYAI_DISCORD_TOKEN"


def bot(provider: str = provider_option(), model: str = model_option()) -> None:
    """Run the Discord bot: stories in channels and threads, with slash commands.

    The bot token comes from STORYAI_DISCORD_TOKEN. Several bot processes may share
    one PostgreSQL database (run `storyai db upgrade` first); a story's turns are
    never played twice.

    [bold]Example[/bold]

      STORYAI_DISCORD_TOKEN=... STORYAI_DATABASE_URL=postgresql://... storyai bot
    """
    from storyai.bots.app import BotDeps, StoryBot

    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise StoryError(
            f"{TOKEN_ENV} is not set.",
            hint="create a bot at https://discord.com/developers/applications, copy its "
            f"token, then export {TOKEN_ENV}=...",
        )
    configured = configured_narrator(provider, model, quiet=False)

    async def main() -> None:
        container = await build()
        try:
            await install_bundled(container)
            client = StoryBot(BotDeps(container.uow, configured.narrator))
            try:
                await client.start(token)
            except discord.LoginFailure:
                raise StoryError(
                    "Discord refused the bot token.",
                    hint=f"check {TOKEN_ENV}: copy it again from the developer portal",
                ) from None
            finally:
                await client.close()
        finally:
            await container.close()

    asyncio.run(main())
