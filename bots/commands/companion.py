"""/companion ask: the asker's companion answers them (only they see it)."""

from __future__ import annotations

import discord
from discord import app_commands

from storyai.bots.output import escape_text
from storyai.bots.replies import answering, send


class Companion(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(name="companion", description="Your companion, who travels with you")

    @app_commands.command(name="ask", description="Ask your companion (only you see it)")
    @app_commands.describe(question="e.g. what do we know about the mine?")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 300]
    ) -> None:
        async with answering(interaction, ephemeral=True) as bot:
            story = await bot.play.here(str(interaction.channel_id))
            reply = await bot.play.companion.ask(
                story.id, question, user_ref=str(interaction.user.id)
            )
            text = f"**{escape_text(reply.companion)}:** {escape_text(reply.text)}"
            await send(interaction, text, ephemeral=True)
