"""Plain messages: in a story's channel, a seated player's message is an action when the
table's options say so (``TableOptions.action_in``: every message but those opened with
(( or //, only those opened with the table's prefix, only those written in a thread of
the story's channel, or none).

A refused message (not your turn, a quota used up, ...) is never answered in public:
the bot reacts on it (⏳ not your turn, 🚫 anything else) and tells the player why in a
direct message, once per story and kind of refusal (a player whose DMs are closed
sees the reaction only).

The story is found by the channel (an indexed lookup) and the player by their seat in
it; nothing else is read, so a busy server with many stories costs one or two queries
per message.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import discord

from storyai.bots import turns
from storyai.bots.replies import worded
from storyai.core.domain.errors import NotYourTurn, StoryError
from storyai.core.play.tableside import TableOptions, options_of

if TYPE_CHECKING:
    from storyai.bots.client import StoryBot

WAIT = "⏳"
REFUSED = "🚫"
TOLD_ONCE = 10_000
"""How many (story, player, refusal) the bot remembers having explained by DM."""


def is_action_text(text: str) -> bool:
    """Whether a message is an action under the default options."""
    return TableOptions().action_in(text) is not None


async def heard(bot: StoryBot, message: discord.Message) -> None:
    """Play ``message`` as its author's action, if it is one."""
    if message.author.bot or message.guild is None or not message.content.strip():
        return
    channel: discord.abc.Messageable = message.channel
    session = await bot.play.in_channel(str(channel.id))
    in_thread = False
    if session is None and isinstance(channel, discord.Thread) and channel.parent is not None:
        session = await bot.play.in_channel(str(channel.parent.id))  # actions: thread
        channel, in_thread = channel.parent, True
    if session is None or session.status == "ended":
        return
    text = options_of(session).action_in(message.content, in_thread=in_thread)
    if text is None:
        return
    seat = await bot.play.seat(session.id, str(message.author.id))
    if seat is None or seat.presence == "left":
        return
    try:
        if in_thread:  # told in the story's channel, where the action is not seen yet
            heading = turns.said(seat.display_name, text)
            await turns.act_in(bot, message, session.id, text, into=channel, heading=heading)
        else:
            await turns.act_in(bot, message, session.id, text)
    except StoryError as error:  # no interaction: a reaction, and a word in private
        await refuse(bot, message, session.id, error)


async def refuse(bot: StoryBot, message: discord.Message, session_id: str, error: StoryError):
    with contextlib.suppress(discord.HTTPException):
        await message.add_reaction(WAIT if isinstance(error, NotYourTurn) else REFUSED)
    key = (session_id, message.author.id, type(error).__name__)
    if key in bot.explained:
        return
    if len(bot.explained) >= TOLD_ONCE:
        bot.explained.clear()
    bot.explained.add(key)
    where = getattr(message.channel, "mention", "the story")
    with contextlib.suppress(discord.HTTPException):
        await message.author.send(f"About your message in {where}: {worded(error)}")
