"""Specializations: subclasses and skill trees a world defines, taken at a level-up in
place of an ability score improvement (as the SRD lets a feat replace one). The rules
check the prerequisites and apply the effects; nothing else grants one.

Pure: a sheet goes in, a new sheet comes out, or a ``RuleError`` says what is missing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from storyai.core.domain.errors import RuleError
from storyai.core.domain.powers import PowerState
from storyai.core.domain.sheet import Sheet, tag, with_defence
from storyai.core.domain.world import Specialization, World

Notes = tuple[str, ...]


@dataclass(frozen=True)
class SpecializationOption:
    """A specialization as the level-up shows it: taken, open, or what it still needs."""

    id: str
    name: str
    description: str
    gives: str  # "proficiency: perception; +1 AC; power: Hearth Ward"
    missing: tuple[str, ...]  # why it cannot be taken now; empty when it can

    @property
    def open(self) -> bool:
        return not self.missing


def find(world: World, words: str) -> str | None:
    """The specialization a player named, by id or name (``ember warden``)."""
    key = tag(words)
    for sid, spec in world.specializations.items():
        if key in (sid, tag(spec.name)):
            return sid
    return None


def missing(sheet: Sheet, sid: str, world: World, flags: Collection[str]) -> tuple[str, ...]:
    """What ``sheet`` lacks to take specialization ``sid`` (empty: it may)."""
    spec = world.specializations[sid]
    req = spec.requires
    out: list[str] = []
    if sid in sheet.specializations:
        return ("already taken",)
    if sheet.level < req.level:
        out.append(f"level {req.level}")
    if req.archetypes and sheet.archetype not in req.archetypes:
        names = [world.archetypes[a].name if a in world.archetypes else a for a in req.archetypes]
        out.append(" or ".join(names))
    for ability, least in sorted(req.abilities.items()):
        if sheet.abilities.get(ability, 10) < least:
            out.append(f"{ability.upper()} {least}")
    for before in req.specializations:
        if before not in sheet.specializations:
            other = world.specializations.get(before)
            out.append(other.name if other else before)
    if req.flag and req.flag not in flags:
        out.append("something yet to happen in the story")
    return tuple(out)


def gives(spec: Specialization, world: World) -> str:
    e = spec.effects
    parts = []
    if e.skills:
        parts.append("proficiency: " + ", ".join(s.replace("_", " ") for s in e.skills))
    if e.saves:
        parts.append("saves: " + ", ".join(s.upper() for s in e.saves))
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


def options(sheet: Sheet, world: World, flags: Collection[str]) -> tuple[SpecializationOption, ...]:
    """Every specialization the world defines that ``sheet`` has not taken, with what
    each gives and lacks, in the world's order."""
    return tuple(
        SpecializationOption(
            sid, spec.name, spec.description, gives(spec, world), missing(sheet, sid, world, flags)
        )
        for sid, spec in world.specializations.items()
        if sid not in sheet.specializations
    )


def specialize(sheet: Sheet, sid: str, world: World, flags: Collection[str]) -> tuple[Sheet, Notes]:
    """Take specialization ``sid`` with one of ``sheet``'s level-up improvements.

    Raises:
        RuleError: No improvement to spend, or a prerequisite is missing.
    """
    spec = world.specializations.get(sid)
    if spec is None:
        raise RuleError(f"There is no specialization called '{sid}' in this world.")
    if sheet.improvements <= 0:
        raise RuleError(
            f"{sheet.name} has no level-up choice to spend on {spec.name}.",
            hint="a specialization takes the place of an ability score improvement",
        )
    lacking = missing(sheet, sid, world, flags)
    if lacking:
        raise RuleError(f"{spec.name} needs: {', '.join(lacking)}.")
    e = spec.effects
    update: dict = {
        "improvements": sheet.improvements - 1,
        "specializations": (*sheet.specializations, sid),
        "skill_proficiencies": sheet.skill_proficiencies | {tag(s) for s in e.skills},
        "save_proficiencies": sheet.save_proficiencies | {tag(s)[:3] for s in e.saves},
        "max_hp": sheet.max_hp + e.max_hp,
        "hp": sheet.hp + e.max_hp if sheet.hp else 0,
        "ac_bonus": sheet.ac_bonus + e.ac,
    }
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
    taken = sheet.model_copy(update=update)
    if e.ac:
        taken = with_defence(taken, world)
    what = gives(spec, world)
    return taken, (f"{sheet.name} becomes {spec.name}" + (f" ({what})." if what else "."),)
