"""What a specialization or a class feature does to a sheet, in rules terms: skill and
save proficiencies, max HP, AC, powers, power points, percentile skill points. Shared
by both, so the same words in a world always do the same thing.

Pure: a sheet goes in, a new sheet comes out.
"""

from __future__ import annotations

from typing import Any

from storyai.core.domain.powers import PowerState
from storyai.core.domain.sheet import Sheet, tag, with_defence
from storyai.core.domain.world import SpecializationEffects, World
from storyai.core.rules.registry import rule_system_for

MAX_SKILL = 99
"""No percentile skill grows above this."""


def apply_effects(sheet: Sheet, effects: SpecializationEffects, world: World) -> Sheet:
    """``sheet`` with ``effects`` applied once (the caller makes sure it is once)."""
    e = effects
    update: dict[str, Any] = {
        "skill_proficiencies": sheet.skill_proficiencies | {tag(s) for s in e.skills},
        "save_proficiencies": sheet.save_proficiencies | {tag(s)[:3] for s in e.saves},
        "max_hp": sheet.max_hp + e.max_hp,
        "hp": sheet.hp + e.max_hp if sheet.hp else 0,
        "ac_bonus": sheet.ac_bonus + e.ac,
    }
    if e.skill_gains:
        rules = rule_system_for(world)
        skills = dict(sheet.skills)
        for name, gain in e.skill_gains.items():
            entry = rules.skill_entry(sheet, name)
            _, value = rules.skill_rating(sheet, name)  # a base skill counts from its base
            skills[entry] = min(MAX_SKILL, value + gain)
        update["skills"] = skills
    if e.powers or e.power_points:
        state = sheet.powers or PowerState()
        known = (*state.known, *(p for p in e.powers if p not in state.known))
        update["powers"] = state.model_copy(
            update={
                "known": known,
                "points": state.points + e.power_points,
                "max_points": state.max_points + e.power_points,
            }
        )
    changed = sheet.model_copy(update=update)
    return with_defence(changed, world) if e.ac else changed


def effects_text(effects: SpecializationEffects, world: World) -> str:
    """``proficiency: perception; +1 AC; power: Hearth Ward`` ("" for none)."""
    e = effects
    parts = []
    if e.skills:
        parts.append("proficiency: " + ", ".join(s.replace("_", " ") for s in e.skills))
    if e.saves:
        parts.append("saves: " + ", ".join(s.upper() for s in e.saves))
    if e.skill_gains:
        parts.append(
            ", ".join(f"{n.replace('_', ' ').title()} +{g}%" for n, g in e.skill_gains.items())
        )
    if e.max_hp:
        parts.append(f"+{e.max_hp} max HP")
    if e.ac:
        parts.append(f"+{e.ac} AC")
    if e.powers:
        names = [world.powers[p].name if p in world.powers else p for p in e.powers]
        parts.append("power: " + ", ".join(names))
    if e.power_points:
        parts.append(f"+{e.power_points} PP")
    return "; ".join(parts)
