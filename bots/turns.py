"""Turns in Discord: an action (a command, a choice button, a plain message) streamed
while it is told, then the choices as buttons and whose turn is next.

Only parsing and rendering: who may act, whether the turn is counted against a quota,
and what happens while another turn is told are the core's (``Play.act_at_table``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from storyai.bots.components import choice_view
from storyai.bots.media import pictures_later
from storyai.bots.output import MessageStreamer, escape_text, render_lines
from storyai.bots.replies import channel_streamer, post, send, streamer
from storyai.core.play.results import ActResult, TurnResult

if TYPE_CHECKING:
    from storyai.bots.client import StoryBot

WHAT_NEXT = "What next?"


def said(name: str, text: str) -> str:
    """The heading of an action's narration: who did what, escaped."""
    return f"**{escape_text(name)}** › {escape_text(text)}\n\n"


def guild_of(interaction: discord.Interaction) -> str | None:
    return str(interaction.guild_id) if interaction.guild_id else None


def up_next(outcome: ActResult) -> str:
    return f"It is {escape_text(outcome.next_up.name)}'s turn." if outcome.next_up else ""


async def act(
    interaction: discord.Interaction,
    text: str,
    *,
    private: bool = False,
    after_turn: int | None = None,
) -> None:
    """The asker's action in the story of this channel, within their daily quota: told
    in public (streamed), or, ``private``, answered to them only (a whisper). A choice
    offered after ``after_turn`` is taken only while the story is still there."""
    bot: StoryBot = interaction.client  # type: ignore[assignment]
    session = await bot.play.here(str(interaction.channel_id))
    heading = said(interaction.user.display_name, text)
    stream = None if private else streamer(interaction, heading, interval=bot.stream_interval)
    outcome = await bot.play.act_at_table(
        session.id,
        user_ref=str(interaction.user.id),
        text=text,
        guild=guild_of(interaction),
        on_text=stream,
        after_turn=after_turn,
    )
    if outcome.kind == "queued" or outcome.result is None:
        note = f"*Queued ({outcome.place}); the round is told together soon.*"
        await send(interaction, heading + note, ephemeral=private)
    elif private:
        await send(interaction, render_lines(outcome.result.lines), ephemeral=True)
    else:
        await show(interaction, outcome.result, heading, stream, up_next(outcome))
        if interaction.channel is not None:
            pictures_later(
                bot,
                interaction.channel,  # type: ignore[arg-type]
                session.id,
                user=str(interaction.user.id),
                guild=guild_of(interaction),
            )


def _next(result: TurnResult, whose: str) -> tuple[str, discord.ui.View | None]:
    """What follows a told turn, in one message: whose turn it is and the choices."""
    view = choice_view(result)
    text = " ".join(part for part in (whose, WHAT_NEXT if view is not None else "") if part)
    return text, view


async def show(
    interaction: discord.Interaction,
    result: TurnResult,
    heading: str = "",
    stream: MessageStreamer | None = None,
    whose: str = "",
) -> None:
    """A told turn as the interaction's answer: the streamed message finished with the
    turn as rendered (or sent whole), then whose turn it is and the choices as buttons."""
    text = heading + render_lines(result.lines)
    if stream is not None and stream.messages:
        await stream.finish(text)
    else:
        await send(interaction, text)
    after, view = _next(result, whose)
    if after:
        await send(interaction, after, view=view)


async def show_in(
    channel: discord.abc.Messageable,
    result: TurnResult,
    heading: str = "",
    stream: MessageStreamer | None = None,
    whose: str = "",
) -> None:
    """``show`` for a channel or thread (no interaction to answer)."""
    text = heading + render_lines(result.lines)
    if stream is not None and stream.messages:
        await stream.finish(text)
    else:
        await post(channel, text)
    after, view = _next(result, whose)
    if after:
        await post(channel, after, view=view)


async def act_in(bot: StoryBot, message: discord.Message, session_id: str) -> ActResult:
    """A plain message's action, told into its channel as it is written."""
    channel = message.channel
    stream = channel_streamer(channel, interval=bot.stream_interval)
    outcome = await bot.play.act_at_table(
        session_id,
        user_ref=str(message.author.id),
        text=message.content,
        guild=str(message.guild.id) if message.guild else None,
        on_text=stream,
    )
    if outcome.result is not None:  # None in free mode: told with the round
        await show_in(channel, outcome.result, stream=stream, whose=up_next(outcome))
        pictures_later(
            bot,
            channel,
            session_id,
            user=str(message.author.id),
            guild=str(message.guild.id) if message.guild else None,
        )
    return outcome
