"""/companion ask: the asker's companion answers them (only they see it); /companion
settings: when it speaks first after their turns (their own setting, every story)."""

from __future__ import annotations

import discord
from discord import app_commands

from storyai.bots.output import escape_text
from storyai.bots.replies import answering, send
from storyai.core.companion.settings import describe_remarks


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

    @app_commands.command(
        name="settings", description="When your companion speaks first (only you see it)"
    )
    @app_commands.describe(
        remarks="off, on, or some of low-hp=PERCENT, lethal, stalled=THINGS, new-place, "
        "every=TURNS; empty shows yours"
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        remarks: app_commands.Range[str, 1, 120] | None = None,
    ) -> None:
        async with answering(interaction, ephemeral=True) as bot:
            user = str(interaction.user.id)
            if remarks is None:
                limits = await bot.play.companion.remark_settings(user)
            else:
                limits = await bot.play.companion.set_remark_settings(user, remarks)
            text = f"Your companion speaks first: **{escape_text(describe_remarks(limits))}**"
            await send(interaction, text, ephemeral=True)
