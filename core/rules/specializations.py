"""Specializations: subclasses and skill trees a world defines, taken at a d20 level-up
in place of an ability score improvement (as the SRD lets a feat replace one), or by a
percentile character when a long rest's development improves a skill (the milestone
that stands in for a level; prerequisites there are skill minimums). The rules check
the prerequisites and apply the effects; nothing else grants one.

Pure: a sheet goes in, a new sheet comes out, or a ``RuleError`` says what is missing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import Sheet, tag
from storyai.core.domain.world import Specialization, World
from storyai.core.rules.growth_effects import apply_effects, effects_text
from storyai.core.rules.registry import rule_system_for

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
    if req.skills:
        rules = rule_system_for(world)
        for skill, least in sorted(req.skills.items()):
            if rules.skill_rating(sheet, skill)[1] < least:
                out.append(f"{skill} {least}%")  # as the world wrote it
    for before in req.specializations:
        if before not in sheet.specializations:
            other = world.specializations.get(before)
            out.append(other.name if other else before)
    if req.flag and req.flag not in flags:
        out.append("something yet to happen in the story")
    return tuple(out)


def gives(spec: Specialization, world: World) -> str:
    return effects_text(spec.effects, world)


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
            hint="a specialization takes the place of an ability score improvement"
            if sheet.system == "d20"
            else "a skill that improves on a long rest brings the next one",
        )
    lacking = missing(sheet, sid, world, flags)
    if lacking:
        raise RuleError(f"{spec.name} needs: {', '.join(lacking)}.")
    taken = apply_effects(sheet, spec.effects, world).model_copy(
        update={
            "improvements": sheet.improvements - 1,
            "specializations": (*sheet.specializations, sid),
        }
    )
    what = gives(spec, world)
    return taken, (f"{sheet.name} becomes {spec.name}" + (f" ({what})." if what else "."),)


def earned_by_development(
    before: Sheet, after: Sheet, world: World, flags: Collection[str]
) -> tuple[Sheet, Notes]:
    """Percentile growth: a long rest whose development improved a skill brings one
    specialization choice, when a specialization not taken yet is open to the sheet
    now (its skill minimums met) and no choice is already waiting (choices are not
    hoarded). ``before`` and ``after`` are the sheet either side of the development."""
    if before.system != "percentile" or after.improvements:
        return after, ()
    if after.skills == before.skills:
        return after, ()
    open_ = [o.name for o in options(after, world, flags) if o.open]
    if not open_:
        return after, ()
    earned = after.model_copy(update={"improvements": 1})
    return earned, (
        f"{after.name} has grown enough to specialize: {', '.join(open_)} (`improve {open_[0]}`).",
    )
