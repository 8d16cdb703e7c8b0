"""/act, /whisper and /roll: doing something in the story, or rolling dice."""

from __future__ import annotations

import discord
from discord import app_commands

from storyai.bots import turns
from storyai.bots.output import escape_text
from storyai.bots.replies import answering, send
from storyai.core.domain.dice_request import TableRoll, parse_roll, roll_request

ACTION = 1000
"""The longest action a command takes (the heading repeats at most ``turns.ECHO``)."""
DICE = 150
"""The longest /roll text: an expression (at most 100 characters) and a comment."""


@app_commands.command(name="act", description="Do something in the story")
@app_commands.describe(text="What your character does or says")
async def act(interaction: discord.Interaction, text: app_commands.Range[str, 1, ACTION]) -> None:
    async with answering(interaction):
        await turns.act(interaction, text)


@app_commands.command(name="whisper", description="Tell the GM something; only you see the answer")
@app_commands.describe(text="What your character does or says, that only you see told")
async def whisper(
    interaction: discord.Interaction, text: app_commands.Range[str, 1, ACTION]
) -> None:
    async with answering(interaction, ephemeral=True):
        await turns.act(interaction, text, private=True)


@app_commands.command(name="roll", description="Roll dice: 2d6+1, 1d20+5 adv, 4d6kh3 stats")
@app_commands.describe(
    expression="Dice (kh/kl/dh/dl keep or drop, rr reroll, e explode), then adv or dis "
    "and a comment: 1d20+5 adv sneak attack"
)
async def roll(
    interaction: discord.Interaction, expression: app_commands.Range[str, 1, DICE]
) -> None:
    async with answering(interaction) as bot:
        story = await bot.play.in_channel(str(interaction.channel_id))
        seat = None
        if story is not None and story.status != "ended":
            seat = await bot.play.seat(story.id, str(interaction.user.id))
        if story is not None and seat is not None:  # written to the story's log
            made = await bot.play.roll(
                story.id, user_ref=str(interaction.user.id), text=expression, dice=bot.dice()
            )
        else:
            made = roll_request(bot.dice(), parse_roll(expression), interaction.user.display_name)
        await send(interaction, rolled(made))


def rolled(made: TableRoll) -> str:
    """``🎲 **Dario** rolls 1d20 (20) + 5 = **25** · *sneak attack* · natural 20!``"""
    result = made.result
    breakdown = escape_text(result.breakdown)
    total = str(result.total)
    if breakdown.endswith(f"= {total}"):
        breakdown = breakdown[: -len(total)] + f"**{total}**"
    else:
        breakdown += f" = **{total}**"
    parts = [f"🎲 **{escape_text(made.roller)}** rolls {breakdown}"]
    if made.request.advantage:
        parts.append("with advantage" if made.request.advantage == "adv" else "at disadvantage")
    if made.request.comment:
        parts.append(f"*{escape_text(made.request.comment)}*")
    if made.natural20:
        parts.append("**natural 20!**")
    elif made.natural1:
        parts.append("**natural 1!**")
    return " · ".join(parts)


ADVANTAGE = [
    app_commands.Choice(name="advantage", value="adv"),
    app_commands.Choice(name="disadvantage", value="dis"),
]
ABILITIES = [
    app_commands.Choice(name=name, value=value)
    for value, name in (
        ("str", "Strength"),
        ("dex", "Dexterity"),
        ("con", "Constitution"),
        ("int", "Intelligence"),
        ("wis", "Wisdom"),
        ("cha", "Charisma"),
    )
]


async def _sheet_roll(
    interaction: discord.Interaction, what: str, save: bool, advantage: str, comment: str
) -> None:
    async with answering(interaction) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        made = await bot.play.sheet_roll(
            story.id,
            user_ref=str(interaction.user.id),
            what=what,
            save=save,
            advantage=advantage,
            comment=comment,
            dice=bot.dice(),
        )
        label, _, breakdown = made.text.partition(": ")
        rolled_, _, total = breakdown.rpartition("= ")
        shown = f"{escape_text(rolled_)}= **{escape_text(total)}**" if rolled_ else breakdown
        parts = [f"🎲 {escape_text(label)}: {shown}"]
        if made.comment:
            parts.append(f"*{escape_text(made.comment)}*")
        if made.natural == 20:
            parts.append("**natural 20!**")
        elif made.natural == 1:
            parts.append("**natural 1!**")
        await send(interaction, " · ".join(parts))


@app_commands.command(name="check", description="Roll a skill or ability check from your sheet")
@app_commands.describe(
    skill="A skill or ability: perception, stealth, athletics, dex...",
    advantage="Roll with advantage or disadvantage",
    comment="What the roll is for (shown with it)",
)
@app_commands.choices(advantage=ADVANTAGE)
async def check(
    interaction: discord.Interaction,
    skill: app_commands.Range[str, 1, 40],
    advantage: str = "",
    comment: app_commands.Range[str, 1, 100] = "",
) -> None:
    await _sheet_roll(interaction, skill, False, advantage, comment)


@app_commands.command(name="save", description="Roll a saving throw from your sheet")
@app_commands.describe(
    ability="The ability to save with",
    advantage="Roll with advantage or disadvantage",
    comment="What the roll is for (shown with it)",
)
@app_commands.choices(ability=ABILITIES, advantage=ADVANTAGE)
async def save(
    interaction: discord.Interaction,
    ability: str,
    advantage: str = "",
    comment: app_commands.Range[str, 1, 100] = "",
) -> None:
    await _sheet_roll(interaction, ability, True, advantage, comment)
