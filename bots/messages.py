"""Plain messages: in a story's channel, a seated player's message is an action, unless
it starts with (( or // (out of character: the game master does not hear it).

The story is found by the channel (an indexed lookup) and the player by their seat in
it; nothing else is read, so a busy server with many stories costs one or two queries
per message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from storyai.bots import turns
from storyai.bots.output import NO_PINGS, escape_text
from storyai.core.domain.errors import StoryError

if TYPE_CHECKING:
    from storyai.bots.client import StoryBot

OUT_OF_CHARACTER = ("((", "//")


def is_action_text(text: str) -> bool:
    text = text.strip()
    return bool(text) and not text.startswith(OUT_OF_CHARACTER)


async def heard(bot: StoryBot, message: discord.Message) -> None:
    """Play ``message`` as its author's action, if it is one."""
    if message.author.bot or message.guild is None or not is_action_text(message.content):
        return
    session = await bot.play.in_channel(str(message.channel.id))
    if session is None or session.status == "ended":
        return
    seat = await bot.play.seat(session.id, str(message.author.id))
    if seat is None or seat.presence == "left":
        return
    try:
        await turns.act_in(bot, message, session.id)
    except StoryError as error:  # no interaction: the answer goes to the message
        await message.reply(escape_text(str(error)), allowed_mentions=NO_PINGS)
