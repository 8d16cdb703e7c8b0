"""/sheet, /inventory, /quests, /powers and /legacy: the asker's character and legacy,
shown to them only; /character create: a new character with who they are (a modal)."""

from __future__ import annotations

from collections.abc import Callable

import discord
from discord import app_commands

from storyai.bots import turns
from storyai.bots.legacy_picks import DESCRIBE, PICK, LegacyPicks
from storyai.bots.output import escape_text, inventory_embed, quests_embed, sheet_embed
from storyai.bots.replies import answering, send, streamer
from storyai.core.domain.identity import identity_request
from storyai.core.domain.legacy import profile_key
from storyai.core.views import PlayerView, player_view
from storyai.core.views.legacy import legacy_text, legacy_view
from storyai.core.views.powers import powers_text, powers_view


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


@app_commands.command(name="powers", description="Your powers and combos: what each would do")
async def powers(interaction: discord.Interaction) -> None:
    async with answering(interaction, ephemeral=True) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        player, state, world = await bot.play.character(story.id, user_ref=str(interaction.user.id))
        sheet = state.players[player.id].sheet
        view = powers_view(sheet, world, state.turn, state.flags)
        await send(interaction, escape_text(powers_text(view)), ephemeral=True)


@app_commands.command(name="legacy", description="Your legacy across stories (only you see it)")
async def legacy(interaction: discord.Interaction) -> None:
    async with answering(interaction, ephemeral=True) as bot:
        profile = await bot.play.profile(profile_key(str(interaction.user.id)))
        await send(interaction, escape_text(legacy_text(legacy_view(profile))), ephemeral=True)


class CharacterForm(discord.ui.Modal, title="Create your character"):
    """Who the character is; the world's background tables the player leaves to the
    dice (as at every other creation screen)."""

    name: discord.ui.TextInput = discord.ui.TextInput(label="Name", max_length=40)
    title_: discord.ui.TextInput = discord.ui.TextInput(
        label="Title", required=False, max_length=80, placeholder="the Lamplighter"
    )
    origin: discord.ui.TextInput = discord.ui.TextInput(
        label="Origin", required=False, max_length=300
    )
    appearance: discord.ui.TextInput = discord.ui.TextInput(
        label="Appearance (one line)", required=False, max_length=300
    )
    backstory: discord.ui.TextInput = discord.ui.TextInput(
        label="Backstory", style=discord.TextStyle.paragraph, required=False, max_length=2000
    )

    def __init__(self, picks: LegacyPicks | None = None, *, generate: bool = False) -> None:
        super().__init__()
        self.picks = picks or LegacyPicks.parse()
        self.generate = generate

    async def on_submit(self, interaction: discord.Interaction) -> None:
        async with answering(interaction) as bot:
            story = await bot.play.here(str(interaction.channel_id))
            identity = identity_request(
                {
                    "title": self.title_.value,
                    "origin": self.origin.value,
                    "appearance": self.appearance.value,
                    "backstory": self.backstory.value,
                    "generate": self.generate,
                }
            )
            asked = self.name.value
            intro = f"**{escape_text(asked)}** joins the story.\n\n"
            stream = streamer(interaction, intro, interval=bot.stream_interval)
            seat, told = await bot.play.join(
                story.id,
                user_ref=str(interaction.user.id),
                name=asked,
                identity=identity,
                **self.picks.join_args(),
                on_text=stream,
            )
            if told is None:
                await send(
                    interaction,
                    f"You already play **{escape_text(seat.name)}** here; they are back at "
                    "the table.",
                    ephemeral=True,
                )
                return
            await turns.show(interaction, told, intro, stream)


class Character(app_commands.Group):
    def __init__(self) -> None:
        super().__init__(name="character", description="Your character")

    @app_commands.command(name="create", description="Join the story here as who you choose to be")
    @app_commands.describe(
        buy=DESCRIBE["buy"],
        heirloom=DESCRIBE["heirloom"],
        follower=DESCRIBE["follower"],
        legacy_title=DESCRIBE["title"],
        generate="The story's model writes what you leave empty (offline: the world's tables)",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        buy: app_commands.Range[str, 1, PICK] | None = None,
        heirloom: app_commands.Range[str, 1, PICK] | None = None,
        follower: app_commands.Range[str, 1, PICK] | None = None,
        legacy_title: app_commands.Range[str, 1, 80] | None = None,
        generate: bool = False,
    ) -> None:
        picks = LegacyPicks.parse(buy, heirloom, follower, legacy_title)
        await interaction.response.send_modal(CharacterForm(picks, generate=generate))
