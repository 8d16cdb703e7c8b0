"""/usage: the asker's turns and credits left today (and their server's)."""

from __future__ import annotations

import discord
from discord import app_commands

from storyai.bots.output import escape_text
from storyai.bots.replies import answering, send
from storyai.bots.turns import guild_of


@app_commands.command(name="usage", description="Your turns and credits left today")
async def usage(interaction: discord.Interaction) -> None:
    async with answering(interaction, ephemeral=True) as bot:
        report = await bot.play.quota_report(
            user=str(interaction.user.id), guild=guild_of(interaction)
        )
        await send(interaction, escape_text(report.text()), ephemeral=True)
