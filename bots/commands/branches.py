"""/rewind and /branch: the host replays the story from an earlier turn, or switches
to another branch of it."""

from __future__ import annotations

import discord
from discord import app_commands

from storyai.bots.output import escape_text
from storyai.bots.replies import answering, send


@app_commands.command(name="rewind", description="Host: replay from the end of a turn")
@app_commands.describe(turn="The turn to play on from (0: the opening)")
async def rewind(interaction: discord.Interaction, turn: app_commands.Range[int, 0]) -> None:
    async with answering(interaction) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        info = await bot.play.rewind(story.id, turn, by=str(interaction.user.id))
        await send(
            interaction,
            f"Rewound to turn {info.turn} on branch {escape_text(info.name)}: "
            + escape_text(info.last_line),
        )


@app_commands.command(name="branch", description="Host: switch to another branch of the story")
@app_commands.describe(name="The branch to play on")
async def branch(interaction: discord.Interaction, name: str) -> None:
    async with answering(interaction) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        await bot.play.switch_branch(story.id, name, by=str(interaction.user.id))
        await send(interaction, f"Now playing on branch {escape_text(name)}.")
