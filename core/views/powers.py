"""Powers as a player (or a companion reading the story) meets them: what each power
and each declared combo would do now, what it costs, and whether it can be used."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import World
from storyai.core.rules import powers as rules


@dataclass(frozen=True)
class PowerLine:
    id: str
    name: str
    category: str
    effect: str  # "1d8 fire damage to one foe", with the upgrades earned
    cost: str  # "1 PP", "2 PP + 1 HP", "free"
    limits: str  # "2 uses per long rest · cooldown 3 turns · not undead"
    ready: bool
    why_not: str | None  # why it cannot be used now
    needs_target: bool = False  # aimed at a foe: "use ember touch on wolf"


@dataclass(frozen=True)
class ComboLine:
    id: str
    name: str
    powers: tuple[str, ...]  # the names of two known powers that make it
    effect: str
    cost: str
    ready: bool
    why_not: str | None
    command: str  # "use ember touch with hearth ward"
    needs_target: bool = False


@dataclass(frozen=True)
class PowersView:
    points: int
    max_points: int
    powers: tuple[PowerLine, ...]
    combos: tuple[ComboLine, ...]


def _limits(power_id: str, world: World) -> str:
    power = world.powers[power_id]
    parts = []
    if power.uses is not None:
        parts.append(f"{power.uses} use{'s' if power.uses > 1 else ''} per long rest")
    if power.cooldown:
        parts.append(f"cooldown {power.cooldown} turn{'s' if power.cooldown > 1 else ''}")
    if power.cannot_affect:
        parts.append("not " + ", ".join(power.cannot_affect))
    if power.min_level > 1:
        parts.append(f"from level {power.min_level}")
    return " · ".join(parts)


def powers_view(sheet: Sheet, world: World, turn: int, flags: Collection[str]) -> PowersView:
    """Every power the character knows (of this world) and every combo two of them make."""
    state = rules.state_of(sheet)
    known = [pid for pid in state.known if pid in world.powers]
    lines = []
    for pid in known:
        power = world.powers[pid]
        reason = rules.why_not(sheet, pid, world, turn, flags)
        lines.append(
            PowerLine(
                pid,
                power.name,
                power.category,
                rules.effect_text(power.effect, rules.amount_now(power, sheet, flags), world),
                rules.cost_text(power.cost.points, power.cost.hp),
                _limits(pid, world),
                reason is None,
                reason,
                power.effect.targets_foe,
            )
        )
    combos = []
    for i, first in enumerate(known):
        for second in known[i + 1 :]:
            found = rules.combo_for(world, (first, second))
            if found is None:
                continue
            combo_id, combo = found
            names = (world.powers[first].name, world.powers[second].name)
            try:
                rules.plan(sheet, (first, second), world, turn, flags)
                reason = None
            except RuleError as exc:
                reason = exc.message
            pair = (world.powers[first], world.powers[second])
            combos.append(
                ComboLine(
                    combo_id,
                    combo.name,
                    names,
                    rules.effect_text(combo.effect, combo.effect.amount, world),
                    rules.cost_text(sum(p.cost.points for p in pair), sum(p.cost.hp for p in pair)),
                    reason is None,
                    reason,
                    f"use {names[0].lower()} with {names[1].lower()}",
                    combo.effect.targets_foe,
                )
            )
    return PowersView(state.points, state.max_points, tuple(lines), tuple(combos))


def powers_text(view: PowersView) -> str:
    """The `powers` command's answer."""
    if not view.powers:
        return "You have no powers in this world."
    out = [f"Powers · {view.points}/{view.max_points} PP"]
    for p in view.powers:
        limits = f" · {p.limits}" if p.limits else ""
        state = "ready" if p.ready else p.why_not
        out.append(f"- {p.name} ({p.category}, {p.cost}{limits}): {p.effect}. {state}")
    for c in view.combos:
        state = "ready" if c.ready else c.why_not
        out.append(
            f"- Combo {c.name} ({' + '.join(c.powers)}, {c.cost}): {c.effect}. {state} "
            f"Type '{c.command}'."
        )
    out.append("Use one with 'use NAME on FOE'; two together with 'use NAME with NAME'.")
    return "\n".join(out)
