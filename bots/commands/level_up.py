"""/levelup: the level-up choice as components, shown to the asker only: the class
features the level brought, a select of the abilities to raise (one for +2, two for +1
each) and a button for each of the world's specializations that can be taken in its
place (percentile: the specializations alone). Picking plays the choice as
the asker's action (``improve str``, ``improve Deep Warden``); the rules check it like
any turn, so a stale pick is refused there."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from storyai.bots import turns
from storyai.bots.output import escape_inline
from storyai.bots.replies import answering, send
from storyai.core.views.growth import LevelUpView, level_up_view

PICKER_TIMEOUT_S = 600.0


class AbilityPick(discord.ui.Select[Any]):
    def __init__(self, view: LevelUpView) -> None:
        super().__init__(
            placeholder="Raise one ability by 2, or two by 1",
            min_values=1,
            max_values=min(2, len(view.options)),
            options=[
                discord.SelectOption(label=f"{o.label} {o.score}", value=o.key)
                for o in view.options
            ],
        )
        self.level_up = view

    async def callback(self, interaction: discord.Interaction) -> Any:
        await _play(interaction, self.level_up.command(self.values))


class SpecializationPick(discord.ui.Button[Any]):
    def __init__(self, view: LevelUpView, spec_id: str, label: str, row: int) -> None:
        super().__init__(label=label[:80], style=discord.ButtonStyle.primary, row=row)
        self.command = view.specialize(spec_id)

    async def callback(self, interaction: discord.Interaction) -> Any:
        await _play(interaction, self.command)


async def _play(interaction: discord.Interaction, command: str) -> None:
    async with answering(interaction):
        await turns.act(interaction, command)


def picker(view: LevelUpView) -> discord.ui.View:
    """The choice as components: the select first, then open specializations."""
    components = discord.ui.View(timeout=PICKER_TIMEOUT_S)
    first = 0
    if view.options:
        components.add_item(AbilityPick(view))
        first = 1
    open_ = [s for s in view.specializations if s.open][: 5 * (5 - first)]
    for i, spec in enumerate(open_):
        components.add_item(SpecializationPick(view, spec.id, spec.name, row=first + i // 5))
    return components


def describe(view: LevelUpView) -> str:
    lines = [
        escape_inline(view.heading, 200) + (f" ({view.left} to choose)." if view.left > 1 else ".")
    ]
    for feature in view.features:
        what = f" ({escape_inline(feature.gives, 300)})" if feature.gives else ""
        lines.append(
            f"New: **{escape_inline(feature.name, 80)}**{what} "
            + escape_inline(feature.description, 500)
        )
    if view.specializations:
        lines.append(view.specializations_intro)
    for spec in view.specializations:
        what = spec.gives if spec.open else "needs " + ", ".join(spec.missing)
        lines.append(f"- **{escape_inline(spec.name, 80)}**: {escape_inline(what, 300)}")
    return "\n".join(lines)


@app_commands.command(name="levelup", description="Choose your level-up improvement")
async def levelup(interaction: discord.Interaction) -> None:
    async with answering(interaction, ephemeral=True) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        player, state, world = await bot.play.character(story.id, user_ref=str(interaction.user.id))
        sheet = state.players[player.id].sheet
        view = level_up_view(sheet, world, flags=state.flags)
        if view is None:
            await send(interaction, "No level-up choice is waiting.", ephemeral=True)
            return
        await send(interaction, describe(view), ephemeral=True, view=picker(view))
