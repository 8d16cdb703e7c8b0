"""/sheet, /inventory and /quests: the asker's character, shown to them only."""

from __future__ import annotations

from collections.abc import Callable

import discord
from discord import app_commands

from storyai.bots.output import inventory_embed, quests_embed, sheet_embed
from storyai.bots.replies import answering, send
from storyai.core.views import PlayerView, player_view


async def _show_privately(
    interaction: discord.Interaction, draw: Callable[[PlayerView], discord.Embed]
) -> None:
    """An embed of the asker's character as it is now (a turn being told is not in it
    yet: reading never waits for, or tells, anyone's turn)."""
    async with answering(interaction, ephemeral=True) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        player, state, world = await bot.play.character(story.id, user_ref=str(interaction.user.id))
        embed = draw(player_view(state, world, player.id))
        await send(interaction, "", ephemeral=True, embed=embed)


@app_commands.command(name="sheet", description="Your character sheet (only you see it)")
async def sheet(interaction: discord.Interaction) -> None:
    await _show_privately(interaction, sheet_embed)


@app_commands.command(name="inventory", description="What you carry (only you see it)")
async def inventory(interaction: discord.Interaction) -> None:
    await _show_privately(interaction, inventory_embed)


@app_commands.command(name="quests", description="The story's quests (only you see it)")
async def quests(interaction: discord.Interaction) -> None:
    await _show_privately(interaction, lambda view: quests_embed(view.quests))
