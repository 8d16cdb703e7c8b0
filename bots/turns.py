"""Turns in Discord: an action (a command, a choice button, a plain message) streamed
while it is told, then finished as one message: the narration, the choices as buttons
and whose turn it is as a footer line (more than one message only when the narration
is longer than a message: the buttons and the footer go with the last).

Posting a turn retires the buttons of the turns before it (shown disabled), and, when
the table asked for it (``/story settings ping:true``), pings the one player whose turn
it is (nobody else is ever pinged).

Only parsing and rendering: who may act, whether the turn is counted against a quota,
and what happens while another turn is told are the core's (``Play.act_at_table``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from storyai.bots.components import choice_view, choices_view
from storyai.bots.media import pictures_later
from storyai.bots.output import NO_PINGS, MessageStreamer, clip, escape_text, render_lines
from storyai.bots.output.buttons import PREFIX as CHOICE_PREFIX
from storyai.bots.output.split import split_message
from storyai.bots.replies import PLACEHOLDER, channel_streamer, send, streamer
from storyai.bots.voice import by_dm, speak_later
from storyai.bots.voice import privately as voice_notice
from storyai.core.domain.errors import StoryError
from storyai.core.domain.state import GameState
from storyai.core.play.results import ActResult, Seat, TableView, TurnResult
from storyai.core.views.player import turn_order
from storyai.core.views.text import turn_order_text

if TYPE_CHECKING:
    from storyai.bots.client import StoryBot

log = logging.getLogger("storyai.bot")

ECHO = 300
"""How much of an action the heading of its narration repeats."""
RETIRE_SCAN = 10
"""How many of the channel's latest messages are looked at for live old buttons."""


def said(name: str, text: str) -> str:
    """The heading of an action's narration: who did what (cut to ``ECHO``), escaped."""
    shown = clip(" ".join(text.split()), ECHO)
    return f"**{escape_text(name)}** › {escape_text(shown)}\n\n"


def guild_of(interaction: discord.Interaction) -> str | None:
    return str(interaction.guild_id) if interaction.guild_id else None


def whose(view: TableView) -> str:
    """Whose turn it is, or how free mode stands (escaped)."""
    if view.ended:
        return "The story has ended."
    if view.mode == "free":
        return f"Free mode: everyone acts; {view.queued} action(s) waiting."
    return up_next(view.whose_turn)


def up_next(seat: Seat | None) -> str:
    return f"It is {escape_text(seat.name)}'s turn." if seat else ""


def fight_line(state: GameState) -> str:
    """During a fight, its round and turn order as the table sees it (escaped); whose
    turn it is, the footer already says."""
    combat = state.combat
    if combat is None:
        return ""
    return escape_text(turn_order_text(turn_order(state), combat.round, next_up=False))


def footer(line: str) -> str:
    return f"\n\n-# {line}" if line else ""


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
        await show(interaction, outcome.result, heading, stream, next_up=outcome)
        speak_later(
            bot,
            guild_of(interaction),
            session.id,
            outcome.result.lines,
            user=str(interaction.user.id),
            notify=voice_notice(interaction),
        )
        if outcome.result.events:

            async def post(text: str) -> Any:
                return await interaction.followup.send(text, allowed_mentions=NO_PINGS)

            await companion_remark(bot, interaction.user, session.id, post)
        if interaction.channel is not None:
            pictures_later(
                bot,
                interaction.channel,  # type: ignore[arg-type]
                session.id,
                user=str(interaction.user.id),
                guild=guild_of(interaction),
            )


async def companion_remark(
    bot: StoryBot,
    user: discord.abc.User,
    session_id: str,
    post: Callable[[str], Awaitable[Any]],
) -> None:
    """After the turn's message, the actor's companion may speak up (once a turn at most,
    within the player's own remark settings, ``/companion settings``, unless the host
    turned companions' remarks off for the table, ``/story settings companion:``)."""
    try:
        remark = await bot.play.companion.remark(session_id, user_ref=str(user.id))
    except StoryError:
        return  # no seat of theirs to speak to
    if remark is not None:
        who = escape_text(user.display_name)
        await post(f"**{escape_text(remark.companion)}** (to {who}): *{escape_text(remark.text)}*")


async def show(
    interaction: discord.Interaction,
    result: TurnResult,
    heading: str = "",
    stream: MessageStreamer | None = None,
    *,
    next_up: ActResult | None = None,
) -> None:
    """A told turn as the interaction's answer, in one message (see the module doc)."""
    bot: StoryBot = interaction.client  # type: ignore[assignment]

    async def send_(content: str, view: discord.ui.View | None) -> Any:
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        return await interaction.followup.send(
            content, wait=True, allowed_mentions=NO_PINGS, **extra
        )

    channel = interaction.channel
    await _publish(bot, channel, result, heading, stream, send_, next_up)


async def show_in(
    bot: StoryBot,
    channel: discord.abc.Messageable,
    result: TurnResult,
    heading: str = "",
    stream: MessageStreamer | None = None,
    *,
    next_up: ActResult | None = None,
) -> None:
    """``show`` for a channel or thread (no interaction to answer)."""

    async def send_(content: str, view: discord.ui.View | None) -> Any:
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        return await channel.send(content, allowed_mentions=NO_PINGS, **extra)

    await _publish(bot, channel, result, heading, stream, send_, next_up)


Sender = Callable[[str, discord.ui.View | None], Awaitable[Any]]


async def _publish(
    bot: StoryBot,
    channel: Any,
    result: TurnResult,
    heading: str,
    stream: MessageStreamer | None,
    send_: Sender,
    next_up: ActResult | None,
) -> None:
    if next_up is not None and next_up.next_up is not None:
        seat, line = next_up.next_up, up_next(next_up.next_up)
    else:
        table = await bot.play.table(result.session_id)
        seat, line = table.whose_turn, whose(table)
    text = (heading + render_lines(result.lines)).rstrip() or PLACEHOLDER
    content = text + footer(" ".join(filter(None, [line, fight_line(result.state)])))
    view = choice_view(result)
    last = await _finish(content, view, stream, send_)
    await after_turn(bot, channel, last, result.session_id, seat)


async def _finish(
    content: str,
    view: discord.ui.View | None,
    stream: MessageStreamer | None,
    send_: Sender,
) -> Any:
    """The turn's final message(s); the last one (which carries the buttons). A streamed
    turn gets its footer and its buttons in its final edit."""
    chunks = split_message(content)
    if stream is not None and stream.messages:

        async def last_edit(message: Any, shown: str) -> None:
            await message.edit(content=shown, view=view, allowed_mentions=NO_PINGS)

        messages = await stream.finish(content, last_edit=last_edit if view else None)
        return messages[-1]
    last = None
    for i, chunk in enumerate(chunks):
        last = await send_(chunk, view if i == len(chunks) - 1 else None)
    return last


async def after_turn(
    bot: StoryBot, channel: Any, last: Any, session_id: str, seat: Seat | None
) -> None:
    """Once a turn is posted: retire older buttons, ping the next player if asked."""
    if channel is None:
        return
    try:
        await retire_buttons(bot, channel, keep=getattr(last, "id", None))
    except discord.HTTPException:
        log.warning("could not disable the buttons of earlier turns", exc_info=True)
    if seat is None or not seat.user_ref.isdigit():
        return
    options = await bot.play.table_options(session_id)
    if not options.ping_next:
        return
    with contextlib.suppress(discord.HTTPException):  # the turn is told either way
        await channel.send(
            f"<@{seat.user_ref}>, it is your turn.",
            allowed_mentions=discord.AllowedMentions(
                everyone=False,
                roles=False,
                replied_user=False,
                users=[discord.Object(int(seat.user_ref))],
            ),
        )


def _live_choices(message: discord.Message) -> bool:
    for row in message.components:
        for item in getattr(row, "children", []):
            custom_id = getattr(item, "custom_id", None) or ""
            if custom_id.startswith(CHOICE_PREFIX) and not getattr(item, "disabled", False):
                return True
    return False


async def retire_buttons(bot: StoryBot, channel: Any, *, keep: int | None) -> None:
    """Show the choice buttons of the channel's earlier turns disabled (they would only
    answer "expired"). Read from the channel, so it works whichever process posted them."""
    if bot.user is None or not hasattr(channel, "history"):
        return
    async for message in channel.history(limit=RETIRE_SCAN):
        if message.id == keep or message.author.id != bot.user.id:
            continue
        if not _live_choices(message):
            continue
        view = discord.ui.View.from_message(message, timeout=None)
        for item in view.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        view.stop()  # finished: discord.py keeps no listener for it
        with contextlib.suppress(discord.NotFound):
            await message.edit(view=view)


async def show_choices(
    bot: StoryBot, channel: Any, send_: Sender, session_id: str, text: str
) -> None:
    """``text`` with the story's current choices as buttons and whose turn it is (after
    a rewind or a switch of branch)."""
    turn, choices, _ = await bot.play.choices(session_id)
    table = await bot.play.table(session_id)
    state, _world = await bot.play.state(session_id)
    view = choices_view(session_id, turn, choices)
    line = " ".join(filter(None, [whose(table), fight_line(state)]))
    last = await _finish(text + footer(line), view, None, send_)
    await after_turn(bot, channel, last, session_id, table.whose_turn)


@contextlib.asynccontextmanager
async def typing_in(channel: Any) -> AsyncIterator[None]:
    """ "Typing…" in ``channel`` while the block runs (at once, then renewed by discord.py);
    a channel that refuses it (permissions, a hiccup) does not stop the turn."""
    typing = channel.typing()
    try:
        await typing.__aenter__()
    except discord.HTTPException:
        log.warning("could not show typing", exc_info=True)
        yield
        return
    try:
        yield
    finally:
        await typing.__aexit__(None, None, None)


async def act_in(
    bot: StoryBot,
    message: discord.Message,
    session_id: str,
    text: str,
    *,
    into: Any = None,
    heading: str = "",
) -> ActResult:
    """A plain message's action: typing shown at once, then told into its channel (or
    ``into`` the story's channel, under ``heading``) as it is written, finished like
    every other turn."""
    channel = into if into is not None else message.channel
    async with typing_in(channel):
        stream = channel_streamer(channel, heading, interval=bot.stream_interval)
        outcome = await bot.play.act_at_table(
            session_id,
            user_ref=str(message.author.id),
            text=text,
            guild=str(message.guild.id) if message.guild else None,
            on_text=stream,
        )
    if outcome.result is not None:  # None in free mode: told with the round
        await show_in(bot, channel, outcome.result, heading, stream=stream, next_up=outcome)
        speak_later(
            bot,
            str(message.guild.id) if message.guild else None,
            session_id,
            outcome.result.lines,
            user=str(message.author.id),
            notify=by_dm(message.author),
        )
        if outcome.result.events:

            async def post(text: str) -> Any:
                return await channel.send(text, allowed_mentions=NO_PINGS)

            await companion_remark(bot, message.author, session_id, post)
        pictures_later(
            bot,
            channel,
            session_id,
            user=str(message.author.id),
            guild=str(message.guild.id) if message.guild else None,
        )
    return outcome
