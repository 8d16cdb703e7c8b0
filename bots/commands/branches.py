"""/rewind and /branch: the host replays the story from an earlier turn, or switches
to another branch of it; then the story's choices are posted again (the old ones are
disabled)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from storyai.bots import turns
from storyai.bots.output import NO_PINGS, escape_text, plain_line
from storyai.bots.replies import answering

CHOICE_NAME = 100
"""Discord's limit on an autocomplete choice's name."""
BRANCH_NAME = 100


async def turns_here(interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
    """The told turns on the story's active line, newest first, each with a snippet."""
    play = interaction.client.play  # type: ignore[attr-defined]
    story = await play.in_channel(str(interaction.channel_id))
    if story is None:
        return []
    nodes = [n for n in await play.turn_tree(story.id) if n.on_active_line]
    typed = current.strip()
    out = []
    seen: set[int] = set()
    for node in sorted(nodes, key=lambda n: -n.turn):
        if node.turn in seen:  # a turn told in parts (arrivals): its latest part
            continue
        seen.add(node.turn)
        label = f"{node.turn}: {node.action or 'the opening'} → {node.last_line}"
        if typed and not (str(node.turn).startswith(typed) or typed.casefold() in label.casefold()):
            continue
        out.append(app_commands.Choice(name=plain_line(label, CHOICE_NAME), value=node.turn))
    return out[:25]


async def branch_names(interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
    play = interaction.client.play  # type: ignore[attr-defined]
    story = await play.in_channel(str(interaction.channel_id))
    if story is None:
        return []
    typed = current.casefold()
    return [
        app_commands.Choice(
            name=plain_line(f"{b.name} (turn {b.turn}{', active' if b.active else ''})", 100),
            value=b.name[:100],
        )
        for b in await play.list_branches(story.id)
        if typed in b.name.casefold()
    ][:25]


def _sender(interaction: discord.Interaction):
    async def send_(content: str, view: discord.ui.View | None) -> Any:
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        return await interaction.followup.send(
            content, wait=True, allowed_mentions=NO_PINGS, **extra
        )

    return send_


@app_commands.command(name="rewind", description="Host: replay from the end of a turn")
@app_commands.describe(turn="The turn to play on from (0: the opening); type to search")
@app_commands.autocomplete(turn=turns_here)
async def rewind(
    interaction: discord.Interaction, turn: app_commands.Range[int, 0, 1_000_000]
) -> None:
    async with answering(interaction) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        info = await bot.play.rewind(story.id, turn, by=str(interaction.user.id))
        text = f"Rewound to turn {info.turn} on branch {escape_text(info.name)}: " + escape_text(
            info.last_line
        )
        await turns.show_choices(bot, interaction.channel, _sender(interaction), story.id, text)


@app_commands.command(name="branch", description="Host: switch to another branch of the story")
@app_commands.describe(name="The branch to play on; type to search")
@app_commands.autocomplete(name=branch_names)
async def branch(
    interaction: discord.Interaction, name: app_commands.Range[str, 1, BRANCH_NAME]
) -> None:
    async with answering(interaction) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        await bot.play.switch_branch(story.id, name, by=str(interaction.user.id))
        text = f"Now playing on branch {escape_text(name)}."
        await turns.show_choices(bot, interaction.channel, _sender(interaction), story.id, text)
