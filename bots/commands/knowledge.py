"""/map and /codex: what the asker's character has found and learned, shown to them only.

/map sends the story's map as this player knows it (fog of war) as an image: a PNG
when Pillow is installed, else the SVG. /codex lists places, people, items, lore and
quests with the turn each was learned, optionally filtered by words."""

from __future__ import annotations

import io

import discord
from discord import app_commands

from storyai.bots.output.escape import escape_inline
from storyai.bots.output.limits import EMBED_FIELD_VALUE, EMBED_TITLE, EMBED_TOTAL
from storyai.bots.replies import answering, send
from storyai.core.maps.png import png_available, render_png
from storyai.core.maps.svg import render_svg
from storyai.core.views.codex import KIND_TITLES, KINDS, Codex

FIELD_BUDGET = EMBED_FIELD_VALUE - 24


@app_commands.command(name="map", description="The map of the places you have found (only you)")
async def map_(interaction: discord.Interaction) -> None:
    async with answering(interaction, ephemeral=True) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        view = await bot.play.map(story.id, user_ref=str(interaction.user.id))
        if png_available():
            file = discord.File(io.BytesIO(render_png(view)), filename="map.png")
        else:
            file = discord.File(io.BytesIO(render_svg(view).encode()), filename="map.svg")
        places = len(view.place_ids)
        plural = "s" if places != 1 else ""
        caption = f"Your map: {places} place{plural} found; the party's place is ringed."
        await interaction.followup.send(caption, file=file, ephemeral=True)


@app_commands.command(name="codex", description="What your character knows (only you see it)")
@app_commands.describe(search="Only entries holding these words")
async def codex(
    interaction: discord.Interaction, search: app_commands.Range[str, 1, 100] | None = None
) -> None:
    async with answering(interaction, ephemeral=True) as bot:
        story = await bot.play.here(str(interaction.channel_id))
        book = await bot.play.codex(story.id, user_ref=str(interaction.user.id))
        await send(interaction, "", ephemeral=True, embed=codex_embed(book, search or ""))


def codex_embed(book: Codex, search: str = "") -> discord.Embed:
    shown = book.search(search) if search.strip() else book
    title = f"{book.player_name}'s codex"
    embed = discord.Embed(title=escape_inline(title, EMBED_TITLE), colour=discord.Colour.gold())
    about = escape_inline(book.world_title, 200)
    if search.strip():
        about += f" · matching “{escape_inline(search, 80)}”"
    embed.description = about
    used = len(title) + len(about)
    for kind in KINDS:
        entries = shown.of_kind(kind)
        if not entries:
            continue
        lines, size = [], 0
        for n, e in enumerate(entries):
            line = f"**{escape_inline(e.name, 80)}** — {escape_inline(e.how, 80)}, turn {e.turn}"
            if size + len(line) + 1 > FIELD_BUDGET or used + size + len(line) > EMBED_TOTAL - 200:
                lines.append(f"…and {len(entries) - n} more")
                break
            lines.append(line)
            size += len(line) + 1
        value = "\n".join(lines)
        used += len(value) + len(KIND_TITLES[kind])
        embed.add_field(name=f"{KIND_TITLES[kind]} ({len(entries)})", value=value, inline=False)
    if not shown.entries:
        embed.add_field(
            name="Nothing found" if search.strip() else "Nothing yet",
            value="No entry holds those words." if search.strip() else "Explore, talk, look.",
        )
    return embed
