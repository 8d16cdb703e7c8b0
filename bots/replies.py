"""Answering Discord: defer at once, reply within its limits, refuse privately, stream.

Every interaction is deferred before anything else (Discord wants an answer within
3 seconds; a model may take longer), then answered with followups. Every message is
sent with ``allowed_mentions=NO_PINGS`` and split at Discord's limits; text written
by players, worlds or models is escaped by the caller (``escape_text``,
``render_lines``) before it gets here.

::

    async with answering(interaction) as bot:      # deferred; a StoryError is refused
        await send(interaction, "Done.")
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from storyai.bots.output import NO_PINGS, MessageStreamer, escape_text, split_message
from storyai.core.domain.errors import ProviderError, StorageError, StoryError, WorldNotFound

if TYPE_CHECKING:
    from storyai.bots.client import StoryBot

log = logging.getLogger("storyai.bot")

PLACEHOLDER = "…"
"""What an answer with no text and no embed shows (Discord refuses empty messages)."""
UNEXPECTED = "Something went wrong on our side; it has been logged. Please try again."


async def defer(interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
    """Acknowledge at once (the 3-second rule), "thinking…" in public or privately;
    remembered, so that a refusal knows whether a public placeholder is to be removed."""
    if interaction.response.is_done():
        return
    interaction.extras["public"] = not ephemeral
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)


@contextlib.asynccontextmanager
async def answering(
    interaction: discord.Interaction, *, ephemeral: bool = False
) -> AsyncIterator[StoryBot]:
    """Defer at once, then run the block with the bot; a ``StoryError`` raised in it is
    shown to the one who asked only. Anything else is a bug: the user is told that
    something went wrong, and the error goes on to discord.py's handler (logged)."""
    await defer(interaction, ephemeral=ephemeral)
    bot: StoryBot = interaction.client  # type: ignore[assignment]
    try:
        yield bot
    except StoryError as error:
        await refuse(interaction, error)
    except Exception:
        with contextlib.suppress(Exception):
            await privately(interaction, UNEXPECTED)
        raise


async def send(
    interaction: discord.Interaction,
    text: str,
    *,
    ephemeral: bool = False,
    view: discord.ui.View | None = None,
    embed: discord.Embed | None = None,
) -> None:
    """Followups with ``text`` (already escaped), split at the message limit; the view
    and the embed go with the last one."""
    chunks = split_message(text) if text.strip() else []
    if not chunks and embed is None:
        chunks = [PLACEHOLDER]
    chunks = chunks or [""]
    for i, chunk in enumerate(chunks):
        extra: dict[str, Any] = {}
        if i == len(chunks) - 1:
            if view is not None:
                extra["view"] = view
            if embed is not None:
                extra["embed"] = embed
        await interaction.followup.send(
            chunk, ephemeral=ephemeral, allowed_mentions=NO_PINGS, **extra
        )


BOT_HINTS: dict[type[StoryError], str] = {
    WorldNotFound: "pick one of the worlds /story start suggests as you type",
    ProviderError: "the storyteller could not be reached; try again in a moment",
    StorageError: "the story could not be saved; try again in a moment",
}
"""Hints in Discord's terms for errors whose own hint names a command-line command."""


def worded(error: StoryError) -> str:
    """An error as the bot words it (escaped): the message, then the hint in italics.
    Hints that send players to commands they cannot run here (``storyai ...``,
    ``--flags``) are replaced by one in the bot's terms, or left out."""
    hint = next((h for kind, h in BOT_HINTS.items() if isinstance(error, kind)), error.hint)
    if hint and ("storyai " in hint or " --" in hint or ("`" in hint and "/" not in hint)):
        hint = None
    text = escape_text(error.message)
    if hint:
        text += f"\n*{escape_text(hint[:1].upper() + hint[1:])}*"
    return text


async def refuse(interaction: discord.Interaction, error: StoryError) -> None:
    """A refusal, shown to who asked only."""
    await privately(interaction, worded(error))


async def privately(interaction: discord.Interaction, text: str) -> None:
    """``text`` (escaped) to who asked only. A public "thinking…" placeholder is removed
    first: the first followup after a public defer replaces it, in public."""
    if interaction.extras.get("public") and not interaction.is_expired():
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()
        interaction.extras["public"] = False
    await send(interaction, text, ephemeral=True)


async def post(
    channel: discord.abc.Messageable, text: str, *, view: discord.ui.View | None = None
) -> None:
    """Messages into a channel or thread (no interaction to answer), the view last."""
    chunks = split_message(text) if text.strip() else [PLACEHOLDER]
    for i, chunk in enumerate(chunks):
        extra: dict[str, Any] = {"view": view} if view is not None and i == len(chunks) - 1 else {}
        await channel.send(chunk, allowed_mentions=NO_PINGS, **extra)


def _streamer(
    send_: Callable[[str], Awaitable[Any]], heading: str, interval: float
) -> MessageStreamer:
    async def edit(message: Any, content: str) -> None:
        await message.edit(content=content, allowed_mentions=NO_PINGS)

    async def delete(message: Any) -> None:
        await message.delete()

    return MessageStreamer(
        send_,
        edit,
        delete=delete,
        render=lambda raw: heading + escape_text(raw),
        min_interval=interval,
    )


def streamer(
    interaction: discord.Interaction, heading: str = "", *, interval: float
) -> MessageStreamer:
    """Narration into followups as it is written: one message edited in place, at most
    once every ``interval`` seconds and within Discord's edit limits. ``heading`` is
    already escaped."""

    async def send_(content: str) -> discord.WebhookMessage:
        return await interaction.followup.send(content, wait=True, allowed_mentions=NO_PINGS)

    return _streamer(send_, heading, interval)


def channel_streamer(
    channel: discord.abc.Messageable, heading: str = "", *, interval: float
) -> MessageStreamer:
    """``streamer`` for a channel or thread (a plain message's action, a story started
    in a new thread)."""

    async def send_(content: str) -> discord.Message:
        return await channel.send(content, allowed_mentions=NO_PINGS)

    return _streamer(send_, heading, interval)
