"""Embeds for a character sheet, an inventory, the quest log and a session's status.

Every builder escapes names and text from the world and the players, and ends
with ``fit_embed``, so the embed is within Discord's limits whatever it was
given: long names and values are cut with "…", long lists end with
"…and N more", and the whole embed stays within 6,000 characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import discord

from storyai.bots.output.escape import clip, escape_inline, escape_text, plain_line
from storyai.bots.output.limits import (
    EMBED_AUTHOR,
    EMBED_DESCRIPTION,
    EMBED_FIELD_VALUE,
    EMBED_FIELDS,
    EMBED_FOOTER,
    EMBED_TITLE,
    EMBED_TOTAL,
    EMBEDS_PER_MESSAGE,
)
from storyai.bots.output.split import MIN_LIMIT, clip_markdown, fit_field
from storyai.core.views import PlayerView, QuestView, Resource, SheetView

NAME = 80
"""How much of a name (an item, a player, a condition) a list line shows."""
PRESENCE = {"joined": "🟢", "online": "🟢", "idle": "🟡", "away": "🟡", "left": "⚫"}
PRESENCE_UNKNOWN = "⚪"


# ------------------------------------------------------------------- limits


def fit_embed(embed: discord.Embed) -> discord.Embed:
    """Bring an embed within every limit, in place; returns it.

    Title 256, description 4096, at most 25 fields (name 256, value 1024, never
    empty), footer 2048, author 256, and 6,000 characters in all: when over, the
    description is shortened first, then fields are dropped from the end.
    """
    if embed.title:
        embed.title = clip(embed.title, EMBED_TITLE)
    if embed.description:
        embed.description = clip_markdown(embed.description, EMBED_DESCRIPTION)
    fields = [fit_field(f.name or "", f.value or "", bool(f.inline)) for f in embed.fields]
    embed.clear_fields()
    for f in fields[:EMBED_FIELDS]:
        embed.add_field(name=f.name, value=f.value, inline=f.inline)
    if embed.footer.text:
        embed.set_footer(
            text=plain_line(embed.footer.text, EMBED_FOOTER), icon_url=embed.footer.icon_url
        )
    if embed.author.name:
        embed.set_author(
            name=plain_line(embed.author.name, EMBED_AUTHOR),
            url=embed.author.url,
            icon_url=embed.author.icon_url,
        )
    over = len(embed) - EMBED_TOTAL
    if over > 0 and embed.description:
        keep = max(MIN_LIMIT + 1, len(embed.description) - over)
        embed.description = clip_markdown(embed.description, keep)
    while len(embed) > EMBED_TOTAL and embed.fields:
        embed.remove_field(-1)
    over = len(embed) - EMBED_TOTAL
    if over > 0 and embed.description:
        embed.description = clip(embed.description, max(1, len(embed.description) - over))
    return embed


def embed_messages(embeds: Iterable[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds grouped into messages: at most 10 per message and 6,000 characters
    together. Each embed should already be fitted (``fit_embed``)."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    used = 0
    for embed in embeds:
        size = len(embed)
        if current and (len(current) >= EMBEDS_PER_MESSAGE or used + size > EMBED_TOTAL):
            messages.append(current)
            current, used = [], 0
        current.append(embed)
        used += size
    if current:
        messages.append(current)
    return messages


def _listing(lines: Sequence[str], budget: int, noun: str = "more") -> str:
    """Lines joined by newlines within ``budget``, ending "…and N more" when cut."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        left = len(lines) - i - 1
        reserve = len(f"\n…and {len(lines)} {noun}") if left else 0
        if used + len(line) + 1 + reserve > budget:
            out.append(f"…and {len(lines) - i} {noun}")
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


# ------------------------------------------------------------------- sheet


def hp_bar(hp: int, max_hp: int, width: int = 10) -> str:
    """``▰▰▰▰▱▱``: filled in proportion to the hit points left (never empty above 0)."""
    max_hp = max(1, max_hp)
    filled = round(width * max(0, min(hp, max_hp)) / max_hp)
    if hp > 0 and filled == 0:
        filled = 1
    return "▰" * filled + "▱" * (width - filled)


SKILLS_SHOWN = 12
"""How many skills a sheet lists (the rules put the most telling first)."""


def _colour(sheet: SheetView) -> discord.Colour:
    if sheet.dead:
        return discord.Colour.dark_grey()
    fraction = sheet.hp.fraction
    if fraction > 0.5:
        return discord.Colour.green()
    return discord.Colour.gold() if fraction > 0.25 else discord.Colour.red()


def _scores(sheet: SheetView) -> str:
    parts = [
        f"**{escape_inline(s.label, 20)}** {s.value}"
        + (f" ({s.modifier:+d})" if s.modifier is not None else "")
        for s in sheet.scores
    ]
    return _joined(parts, " · ", EMBED_FIELD_VALUE)


def _joined(parts: Sequence[str], sep: str, budget: int) -> str:
    """Parts joined by ``sep`` within ``budget``, ending "…and N more" when cut."""
    out: list[str] = []
    used = 0
    for i, part in enumerate(parts):
        tail = len(f"{sep}…and {len(parts)} more") if i < len(parts) - 1 else 0
        if used + len(sep) + len(part) + tail > budget:
            out.append(f"…and {len(parts) - i} more")
            break
        out.append(part)
        used += len(sep) + len(part)
    return sep.join(out)


def _amount(resource: Resource) -> str:
    text = resource.amount
    if resource.note:
        text += f" ({escape_inline(resource.note, NAME)})"
    return text


def sheet_embed(view: PlayerView) -> discord.Embed:
    """A character sheet: HP bar, defence, gold, level, resources, conditions,
    scores, skills, attacks and gear, labelled by the world's rule system."""
    sheet = view.sheet
    embed = discord.Embed(title=escape_inline(sheet.name, EMBED_TITLE), colour=_colour(sheet))
    about = []
    if sheet.archetype:
        about.append(escape_inline(sheet.archetype, NAME))
    if sheet.level is not None:
        about.append(f"Level {sheet.level}")
    about.append("📍 " + escape_inline(view.location.name, NAME))
    embed.description = " · ".join(about)

    hp = sheet.hp
    value = f"{hp_bar(hp.current, hp.maximum or hp.current)} {hp.amount}"
    if hp.temporary:
        value += f" (+{hp.temporary} temp)"
    embed.add_field(name=escape_inline(hp.label, NAME), value=value, inline=True)
    embed.add_field(
        name=escape_inline(sheet.defence.label, NAME), value=sheet.defence.value, inline=True
    )
    embed.add_field(name=sheet.currency_label, value=str(sheet.gold), inline=True)
    for stat in sheet.stats:
        embed.add_field(name=escape_inline(stat.label, NAME), value=stat.value, inline=True)
    for resource in sheet.other_resources:
        embed.add_field(
            name=escape_inline(resource.label, NAME), value=_amount(resource), inline=True
        )
    conditions = [escape_inline(c, NAME) for c in sheet.conditions]
    embed.add_field(
        name="Conditions",
        value=_joined(conditions, ", ", EMBED_FIELD_VALUE) if conditions else "none",
        inline=False,
    )
    for label, text in sheet.standing:
        embed.add_field(
            name=escape_inline(label, NAME),
            value=escape_inline(text, EMBED_FIELD_VALUE) or "—",
            inline=False,
        )
    if sheet.features:
        lines = [
            f"**{escape_inline(f.name, NAME)}** *(level {f.level})*"
            + (f": {escape_inline(f.description, 300)}" if f.description else "")
            for f in sheet.features
        ]
        embed.add_field(name="Features", value=_listing(lines, EMBED_FIELD_VALUE), inline=False)
    embed.add_field(
        name=escape_inline(sheet.score_label, NAME), value=_scores(sheet) or "—", inline=False
    )
    if sheet.skills:
        skills = [f"{escape_inline(k.label, NAME)} {k.text}" for k in sheet.skills[:SKILLS_SHOWN]]
        embed.add_field(
            name=escape_inline(sheet.skill_label, NAME),
            value=_joined(skills, " · ", EMBED_FIELD_VALUE),
            inline=False,
        )
    if sheet.attacks:
        attacks = [
            f"**{escape_inline(a.name, NAME)}** {a.chance}, {escape_inline(a.damage, NAME)}"
            for a in sheet.attacks
        ]
        embed.add_field(name="Attacks", value=_listing(attacks, EMBED_FIELD_VALUE), inline=False)
    if sheet.spells:
        spells = [
            f"**{escape_inline(sp.name, NAME)}** *{sp.level_label}*"
            + (f" {sp.cost}" if sp.cost else "")
            + f": {escape_inline(sp.effect, NAME)}"
            + (" *(concentrating)*" if sp.concentrating else "")
            for sp in sheet.spells
        ]
        embed.add_field(name="Spells", value=_listing(spells, EMBED_FIELD_VALUE), inline=False)
    gear = [f"{slot.label}: {escape_inline(slot.value, NAME)}" for slot in sheet.equipped]
    if gear:
        embed.add_field(name="Equipped", value="\n".join(gear), inline=False)
    return fit_embed(embed)


def inventory_embed(view: PlayerView) -> discord.Embed:
    """What a character carries, by name, with counts; equipped items marked."""
    pack = view.inventory
    embed = discord.Embed(
        title=f"Inventory · {escape_inline(view.sheet.name, EMBED_TITLE - 12)}",
        colour=discord.Colour.blurple(),
    )
    items = sorted(pack.items, key=lambda item: (item.name.lower(), item.id))
    lines = []
    for item in items:
        line = "• " + escape_inline(item.name, NAME)
        if item.count > 1:
            line += f" ×{item.count}"
        if item.equipped:
            line += " *(equipped)*"
        lines.append(line)
    head = f"💰 {pack.gold} {pack.currency} · 🎒 {pack.load}"
    body = _listing(lines, EMBED_DESCRIPTION - len(head) - 2) if lines else "*Nothing carried.*"
    embed.description = f"{head}\n\n{body}"
    return fit_embed(embed)


# ------------------------------------------------------------------- quests


def _quest_value(quest: QuestView) -> str:
    if quest.status == "done":
        return f"*{escape_text(quest.stage)}*"
    lines = [escape_text(quest.stage)]
    objectives = [
        ("☑ " if o.done else "☐ ")
        + escape_inline(o.description, NAME * 2)
        + (" *(optional)*" if o.optional else "")
        for o in quest.objectives
    ]
    if objectives:
        lines.append(_listing(objectives, EMBED_FIELD_VALUE // 2, "more objectives"))
    return clip_markdown("\n".join(lines), EMBED_FIELD_VALUE)


def quests_embed(quests: Sequence[QuestView]) -> discord.Embed:
    """The quest log (``PlayerView.quests``): active quests with their current
    stage and objectives, then finished ones."""
    embed = discord.Embed(title="Quests", colour=discord.Colour.dark_gold())
    if not quests:
        embed.description = "*No quests yet.*"
        return fit_embed(embed)
    fields = []
    for quest in quests:
        if quest.status == "done":
            name = "✅ " + escape_inline(quest.title, 200)
        else:
            name = ("⭐ " if quest.main else "") + escape_inline(quest.title, 200)
        fields.append((name, _quest_value(quest)))
    footer_room = 40
    used = len(embed.title or "") + footer_room
    shown = 0
    for name, value in fields[:EMBED_FIELDS]:
        if used + len(name) + len(value) > EMBED_TOTAL:
            break
        embed.add_field(name=name, value=value, inline=False)
        used += len(name) + len(value)
        shown += 1
    if shown < len(fields):
        embed.set_footer(text=f"…and {len(fields) - shown} more quests")
    return fit_embed(embed)


# ------------------------------------------------------------------- status


@dataclass(frozen=True)
class SeatLine:
    """One player at the table, as the status shows them."""

    name: str
    presence: str = "joined"  # the table's words: "joined", "idle", "left"
    role: str = "player"  # "host" or "player"


@dataclass(frozen=True)
class StatusSummary:
    """What ``status_embed`` shows about a running session."""

    world_title: str
    turn: int
    mode: str  # "turn" (players act in order) or "free" (actions gathered into rounds)
    players: Sequence[SeatLine] = ()
    whose_turn: str | None = None  # a player's name, in turn mode
    queued: int = 0  # free mode: actions waiting for the round
    deadline: datetime | None = None  # when the current turn is skipped / the round resolves
    ended: bool = False

    @classmethod
    def from_table(cls, view: Any, *, world_title: str, turn: int) -> StatusSummary:
        """From a ``storyai.core.play.results.TableView``."""
        deadline = datetime.fromisoformat(view.deadline) if view.deadline else None
        return cls(
            world_title=world_title,
            turn=turn,
            mode=view.mode,
            players=tuple(SeatLine(s.name, s.presence, s.role) for s in view.seats),
            whose_turn=view.whose_turn.name if view.whose_turn is not None else None,
            queued=view.queued,
            deadline=deadline,
            ended=view.ended,
        )


def status_embed(summary: StatusSummary) -> discord.Embed:
    """A session at a glance: world, turn, mode, who is at the table, whose turn."""
    embed = discord.Embed(
        title=escape_inline(summary.world_title, EMBED_TITLE) or "Story",
        colour=discord.Colour.dark_grey() if summary.ended else discord.Colour.blurple(),
    )
    seats = [
        f"{PRESENCE.get(p.presence, PRESENCE_UNKNOWN)} "
        + f"**{escape_inline(p.name, NAME)}**"
        + (" 👑" if p.role == "host" else "")
        + ("" if p.presence in ("joined", "online") else f" *({escape_inline(p.presence, 20)})*")
        for p in summary.players
    ]
    embed.description = _listing(seats, EMBED_DESCRIPTION, "more players") or "*Nobody yet.*"
    embed.add_field(name="Turn", value=str(summary.turn), inline=True)
    mode = {"turn": "Turn order", "free": "Free for all"}.get(summary.mode)
    embed.add_field(name="Mode", value=mode or escape_inline(summary.mode, NAME), inline=True)
    if summary.ended:
        embed.add_field(name="Status", value="The story has ended.", inline=True)
    elif summary.mode == "turn":
        who = escape_inline(summary.whose_turn, NAME) if summary.whose_turn else "—"
        embed.add_field(name="Whose turn", value=who, inline=True)
    else:
        embed.add_field(name="Queued", value=str(summary.queued), inline=True)
    if summary.deadline is not None and not summary.ended:
        stamp = int(summary.deadline.timestamp())
        embed.add_field(name="Next", value=f"<t:{stamp}:R>", inline=True)
    return fit_embed(embed)
