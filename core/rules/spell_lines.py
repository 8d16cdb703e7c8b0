"""Spells on the sheet: what each known spell rolls now, and the slots or MP left."""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.sheet import Sheet
from storyai.core.domain.spells import Spell, ordinal
from storyai.core.domain.world import World
from storyai.core.rules.display import Resource
from storyai.core.rules.spells import (
    amount_dice,
    known_spells,
    max_slots,
    slots_left,
    spell_attack_bonus,
    spell_book,
    spell_save_dc,
)


@dataclass(frozen=True)
class SpellLine:
    """A spell as the sheet shows it: ``Fire Bolt (cantrip) +5 to hit, 1d10 fire``."""

    id: str
    name: str
    level: int
    level_label: str  # "cantrip", "1st"
    effect: str  # "+5 to hit, 1d10 fire", "DC 13 Dex save, 8d6 fire", "5d8 HP asleep"
    cost: str = ""  # "1 MP" in percentile worlds
    concentrating: bool = False


def spell_resources(sheet: Sheet) -> tuple[Resource, ...]:
    """Slots left per level (d20) or magic points (percentile), for the sheet."""
    casting = sheet.spellcasting
    if casting is None:
        return ()
    if sheet.system != "d20":
        return (Resource("mp", "MP", casting.mp, casting.max_mp),)
    left = slots_left(sheet)
    return tuple(
        Resource(f"slots_{lvl}", f"{ordinal(lvl)}-level slots", left[lvl], n)
        for lvl, n in sorted(max_slots(sheet).items())
        if n
    )


def spell_lines(sheet: Sheet, world: World) -> tuple[SpellLine, ...]:
    """The spells a caster knows, cantrips first, each with what it rolls now."""
    casting = sheet.spellcasting
    if casting is None:
        return ()
    held = casting.concentration.spell if casting.concentration else None
    lines = []
    for sid, spell in known_spells(sheet, spell_book(world)).items():
        lines.append(
            SpellLine(
                id=sid,
                name=spell.name,
                level=spell.level,
                level_label=ordinal(spell.level),
                effect=_effect(sheet, spell),
                cost=f"{spell.cost} MP" if sheet.system != "d20" else "",
                concentrating=sid == held,
            )
        )
    return tuple(sorted(lines, key=lambda line: line.level))


def _effect(sheet: Sheet, spell: Spell) -> str:
    slot = spell.level
    parts = []
    if sheet.system == "d20" and spell.attack:
        parts.append(f"{spell_attack_bonus(sheet):+d} to hit")
    if sheet.system == "d20" and spell.save:
        parts.append(f"DC {spell_save_dc(sheet)} {spell.save.capitalize()} save")
    if spell.damage:
        parts.append(f"{amount_dice(spell, sheet, slot, spell.damage)} {spell.damage_type}")
    if spell.heal:
        parts.append(f"heals {amount_dice(spell, sheet, slot, spell.heal)}")
    if spell.hp_pool:
        parts.append(f"{amount_dice(spell, sheet, slot, spell.hp_pool)} HP of foes")
    if spell.conditions:
        parts.append(", ".join(c.replace("_", " ") for c in spell.conditions))
    if spell.area:
        parts.append(spell.area)
    if spell.concentration:
        parts.append("concentration")
    return ", ".join(parts) or (spell.description.split(".")[0] if spell.description else "")
