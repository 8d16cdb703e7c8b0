"""Pictures in Discord: a new character's portrait, and the pictures a told turn asks
for (the scene, a place on its first visit when the table opted in), posted as
attachments in embeds once they are made.

They are made in the background after the turn is posted: a slow, failed or refused
picture never holds up a turn (a failure is logged and nothing is posted). The core
decides what to draw and charges it (``MediaService``); this only posts.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import discord

from storyai.bots.output import NO_PINGS, escape_text
from storyai.core.media.service import MediaOutcome

if TYPE_CHECKING:
    from storyai.bots.client import StoryBot

log = logging.getLogger("storyai.bot")

TITLES = {"portrait": "Portrait", "establishing": "A new place", "scene": "The scene"}


def _title(outcome: MediaOutcome, name: str | None) -> str:
    entry = outcome.entry
    assert entry is not None
    kind = TITLES.get(entry.kind, "Picture")
    return f"{kind}: {name}" if name else kind


async def post_picture(
    bot: StoryBot, channel: discord.abc.Messageable, outcome: MediaOutcome, name: str | None
) -> discord.Message | None:
    """``outcome``'s picture as an attachment shown in an embed (nothing when it failed)."""
    if outcome.entry is None or bot.media is None:
        return None
    data = outcome.data or await bot.media.read(outcome.entry)
    if data is None:
        return None
    filename = f"{outcome.entry.kind}{outcome.entry.name[-4:]}"
    embed = discord.Embed(title=escape_text(_title(outcome, name))[:256])
    embed.set_image(url=f"attachment://{filename}")
    return await channel.send(
        embed=embed, file=discord.File(io.BytesIO(data), filename), allowed_mentions=NO_PINGS
    )


def later(bot: StoryBot, work: asyncio.Future | asyncio.Task | object) -> None:
    """Run ``work`` (a coroutine) in the background, kept by the bot until it is done."""
    task = asyncio.ensure_future(work)  # type: ignore[arg-type]
    bot.media_tasks.add(task)

    def done(finished: asyncio.Future) -> None:
        bot.media_tasks.discard(finished)  # type: ignore[arg-type]
        if not finished.cancelled() and finished.exception() is not None:
            log.error("posting a picture failed", exc_info=finished.exception())

    task.add_done_callback(done)


def portrait_later(
    bot: StoryBot,
    channel: discord.abc.Messageable,
    session_id: str,
    *,
    user: str,
    guild: str | None,
    name: str,
) -> None:
    """The portrait of ``user``'s new character, posted when it is drawn."""
    if bot.media is None or not bot.media.router.can_draw:
        return
    media = bot.media

    async def work() -> None:
        outcome = await media.portrait(session_id, user=user, guild=guild)
        if outcome.ok:
            await post_picture(bot, channel, outcome, name)

    later(bot, work())


def pictures_later(
    bot: StoryBot,
    channel: discord.abc.Messageable,
    session_id: str,
    *,
    user: str,
    guild: str | None,
) -> None:
    """The pictures the turn just told asks for, posted when they are drawn."""
    if bot.media is None or not bot.media.router.can_draw:
        return
    media = bot.media

    async def work() -> None:
        for outcome in await media.after_turn(session_id, user=user, guild=guild):
            if outcome.ok:
                await post_picture(bot, channel, outcome, None)

    later(bot, work())
