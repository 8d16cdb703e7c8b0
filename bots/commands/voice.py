"""/story voice join | leave: the GM speaking the story in a voice channel (the host's
to ask; see ``bots.voice`` and ``core.media.voice_room``)."""

from __future__ import annotations

import discord
from discord import app_commands

from storyai.bots.output import escape_text
from storyai.bots.replies import answering, send
from storyai.bots.turns import guild_of


def _voice_channel(interaction: discord.Interaction) -> str | None:
    state = getattr(interaction.user, "voice", None)
    channel = getattr(state, "channel", None)
    return str(channel.id) if channel is not None else None


class Voice(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(name="voice", description="The game master speaks in a voice channel")

    @app_commands.command(name="join", description="Host: the GM joins your voice channel")
    async def join(self, interaction: discord.Interaction) -> None:
        async with answering(interaction) as bot:
            if bot.voice is None:
                await send(interaction, "This bot has no voices.", ephemeral=True)
                return
            story = await bot.play.here(str(interaction.channel_id))
            room = await bot.voice.join(
                story.id,
                user=str(interaction.user.id),
                guild=guild_of(interaction),
                channel=_voice_channel(interaction),
            )
            channel = bot.get_channel(int(room.channel))
            name = escape_text(getattr(channel, "name", "the voice channel"))
            await send(
                interaction,
                f"The game master joins **{name}** and speaks the story there "
                "(it leaves when everyone has gone, or with /story voice leave).",
            )

    @app_commands.command(name="leave", description="Host: the GM leaves the voice channel")
    async def leave(self, interaction: discord.Interaction) -> None:
        async with answering(interaction) as bot:
            if bot.voice is None:
                await send(interaction, "This bot has no voices.", ephemeral=True)
                return
            story = await bot.play.here(str(interaction.channel_id))
            left = await bot.voice.leave(
                guild_of(interaction), session_id=story.id, user=str(interaction.user.id)
            )
            said = "The game master leaves the voice channel." if left else None
            await send(interaction, said or "The game master is in no voice channel.")
