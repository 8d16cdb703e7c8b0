"""/help: what the bot does, one embed per topic, shown to the asker only."""

from __future__ import annotations

import discord
from discord import app_commands

from storyai.bots.output import fit_embed
from storyai.bots.replies import answering, send

TOPICS: dict[str, tuple[str, str]] = {
    "start": (
        "Starting a story",
        "**/story start** `world` — a story in this channel, you its host "
        "(`thread:true` opens a thread named after the world; `mode:free` lets everyone "
        "act at once).\n**/story join** — sit at the table with a new character.\n"
        "**/story status** — who plays and whose turn it is.\n**/story leave** — stand up "
        "(your character stays).",
    ),
    "play": (
        "Playing",
        "Write what your character does as a plain message, use **/act**, or click one "
        "of the choices under the latest turn. Messages starting with `((` or `//` are "
        "talk, never actions. **/whisper** asks the game master privately.\n"
        "**/sheet**, **/inventory**, **/quests** — your character, only you see it.\n"
        "**/levelup** — choose a level-up improvement or specialization.\n"
        "**/map**, **/codex** — the places you found and what you know, only for you.\n"
        "**/companion ask** — ask your companion, privately.\n"
        "**/companion settings** — when your companion speaks first (off, on, low-hp=50...).\n"
        "**/usage** — your turns left today.",
    ),
    "dice": (
        "Dice",
        "**/roll** `1d20+5` — bold total, natural 20s and 1s marked.\n"
        "`1d20+5 adv` / `dis` — advantage or disadvantage.\n"
        "`4d6kh3`, `2d20kl1`, `4d6dl1` — keep or drop highest/lowest; `1d6rr1` reroll 1s; "
        "`1d6e6` explode 6s.\nAnything after the dice is a comment: `1d20+5 sneak attack`. "
        "Rolls in a story go to its log.",
    ),
    "host": (
        "Hosting",
        "**/story mode** — turn by turn, or everyone at once.\n"
        "**/story settings** — which messages are actions (every message, only those "
        "with a prefix, only those in a thread of the channel, or none) and whether the "
        "next player is pinged.\n"
        "**/story remove** — take a player off the table.\n"
        "**/story voice join** — from a voice channel: the game master joins it and "
        "speaks the story; **/story voice leave** sends it out.\n**/rewind** `turn` and "
        "**/branch** `name` — replay from an earlier turn, or switch branches.\n"
        "**/story end** — end the story.",
    ),
}
CHOICES = [app_commands.Choice(name=title, value=key) for key, (title, _) in TOPICS.items()]


def help_embed(topic: str) -> discord.Embed:
    title, text = TOPICS.get(topic, TOPICS["play"])
    return fit_embed(discord.Embed(title=title, description=text, colour=0x8B5CF6))


@app_commands.command(name="help", description="How to play: starting, playing, dice, hosting")
@app_commands.describe(topic="What to read about (default: playing)")
@app_commands.choices(topic=CHOICES)
async def help_command(interaction: discord.Interaction, topic: str = "play") -> None:
    async with answering(interaction, ephemeral=True):
        await send(interaction, "", ephemeral=True, embed=help_embed(topic))
