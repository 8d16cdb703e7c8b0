"""/act, /whisper and /roll: doing something in the story, or rolling dice."""

from __future__ import annotations

import discord
from discord import app_commands

from storyai.bots import turns
from storyai.bots.output import escape_text
from storyai.bots.replies import answering, send


@app_commands.command(name="act", description="Do something in the story")
@app_commands.describe(text="What your character does or says")
async def act(interaction: discord.Interaction, text: str) -> None:
    async with answering(interaction):
        await turns.act(interaction, text)


@app_commands.command(name="whisper", description="Tell the GM something; only you see the answer")
@app_commands.describe(text="What your character does or says, privately")
async def whisper(interaction: discord.Interaction, text: str) -> None:
    async with answering(interaction, ephemeral=True):
        await turns.act(interaction, text, private=True)


@app_commands.command(name="roll", description="Roll dice, e.g. 2d6+1 or 1d20 advantage")
@app_commands.describe(expression="Dice to roll, e.g. 2d6+1")
async def roll(interaction: discord.Interaction, expression: str) -> None:
    async with answering(interaction) as bot:
        result = bot.dice().roll(expression)
        who = escape_text(interaction.user.display_name)
        await send(interaction, f"🎲 {who} rolls {escape_text(result.breakdown)}")
