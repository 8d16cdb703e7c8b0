"""Powers by the rules: whether one can be used now, what it (or a combo) would do,
paying its cost, and the long rest that restores points and uses.

Pure functions of a sheet, the world and the turn; the engine rolls and applies.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from storyai.core.domain.errors import RuleError
from storyai.core.domain.powers import Combo, Power, PowerEffect, PowerState
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.world import World


@dataclass(frozen=True)
class PowerUse:
    """One power, or two used together, as the rules would resolve them now."""

    ids: tuple[str, ...]
    name: str  # the power's, or the combo's
    effect: PowerEffect
    amount: str | None  # after upgrades (a combo's as authored)
    points: int
    hp: int
    combo: str | None = None  # the combo id, when two powers made one
    text: str = ""  # a combo's look, for the story

    @property
    def cost_text(self) -> str:
        return cost_text(self.points, self.hp)


def cost_text(points: int, hp: int) -> str:
    parts = [f"{points} PP" if points else "", f"{hp} HP" if hp else ""]
    return " + ".join(p for p in parts if p) or "free"


def effect_text(effect: PowerEffect, amount: str | None, world: World) -> str:
    """``2d8 fire damage to one foe`` / ``heals 1d6+1 HP`` / ``reveals: The Heartstone``."""
    match effect.type:
        case "damage":
            kind = f" {effect.damage_type}" if effect.damage_type else ""
            return f"{amount}{kind} damage to one foe"
        case "heal":
            return f"heals you {amount} HP"
        case "condition":
            return f"leaves one foe {effect.condition}"
        case _:
            entry = world.lore.get(effect.lore or "")
            return f"reveals a secret: {entry.title if entry else effect.lore}"


def state_of(sheet: Sheet) -> PowerState:
    return sheet.powers or PowerState()


def unlocked(power: Power, sheet: Sheet, flags: Collection[str]) -> bool:
    return sheet.level >= power.min_level and (
        power.unlock_flag is None or power.unlock_flag in flags
    )


def amount_now(power: Power, sheet: Sheet, flags: Collection[str]) -> str | None:
    """The effect's amount with every upgrade the character has earned (the last wins)."""
    amount = power.effect.amount
    for upgrade in power.upgrades:
        if (upgrade.level is None or sheet.level >= upgrade.level) and (
            upgrade.flag is None or upgrade.flag in flags
        ):
            amount = upgrade.amount
    return amount


def why_not(
    sheet: Sheet, power_id: str, world: World, turn: int, flags: Collection[str]
) -> str | None:
    """Why ``power_id`` cannot be used now (None: it can), in the player's words."""
    state = state_of(sheet)
    power = world.powers.get(power_id)
    if power is None or power_id not in state.known:
        return "You don't have that power."
    if not unlocked(power, sheet, flags):
        if sheet.level < power.min_level:
            return f"{power.name} unlocks at level {power.min_level}."
        return f"{power.name} is not unlocked yet."
    left = state.cooldowns.get(power_id, 0)
    if left > 0:
        return f"{power.name} is recovering: ready in {left} turn{'s' if left > 1 else ''}."
    if power.uses is not None and state.used.get(power_id, 0) >= power.uses:
        uses = f"{power.uses} use{'s' if power.uses > 1 else ''}"
        return f"{power.name} is spent ({uses}); a long rest restores it."
    if power.cost.points > state.points:
        return f"{power.name} needs {power.cost.points} PP; you have {state.points}."
    if power.cost.hp and sheet.hp <= power.cost.hp:
        return f"{power.name} costs {power.cost.hp} HP, more than you can spare ({sheet.hp})."
    return None


def combo_for(world: World, power_ids: Sequence[str]) -> tuple[str, Combo] | None:
    """The first combo (by id) whose tags the two powers' tags include together."""
    tags = {t for pid in power_ids for t in world.powers[pid].tags}
    for combo_id in sorted(world.combos):
        combo = world.combos[combo_id]
        if set(combo.tags) <= tags:
            return combo_id, combo
    return None


def plan(
    sheet: Sheet, power_ids: Sequence[str], world: World, turn: int, flags: Collection[str]
) -> PowerUse:
    """What using ``power_ids`` (one, or two together) would do now.

    Raises:
        RuleError: a power the character cannot use now, two that make no combo, or
            two whose costs together are more than the character has.
    """
    ids = tuple(dict.fromkeys(power_ids))
    if not 1 <= len(ids) <= 2:
        raise RuleError("Use one power, or two together (use X with Y).")
    for pid in ids:
        reason = why_not(sheet, pid, world, turn, flags)
        if reason:
            raise RuleError(reason)
    powers = [world.powers[pid] for pid in ids]
    points = sum(p.cost.points for p in powers)
    hp = sum(p.cost.hp for p in powers)
    if points > state_of(sheet).points:
        raise RuleError(f"Together they need {points} PP; you have {state_of(sheet).points}.")
    if hp and sheet.hp <= hp:
        raise RuleError(f"Together they cost {hp} HP, more than you can spare ({sheet.hp}).")
    if len(ids) == 1:
        power = powers[0]
        return PowerUse(ids, power.name, power.effect, amount_now(power, sheet, flags), points, hp)
    found = combo_for(world, ids)
    if found is None:
        names = " and ".join(p.name for p in powers)
        raise RuleError(f"{names} make no combination.", hint="use them one at a time")
    combo_id, combo = found
    return PowerUse(
        ids, combo.name, combo.effect, combo.effect.amount, points, hp, combo_id, combo.text
    )


def pay(sheet: Sheet, use: PowerUse, world: World, turn: int) -> Sheet:
    """The sheet after paying for ``use``: points and HP spent, a use counted, and each
    power recovering for its cooldown."""
    state = state_of(sheet)
    used = dict(state.used)
    cooldowns = dict(state.cooldowns)
    for pid in use.ids:
        power = world.powers[pid]
        if power.uses is not None:
            used[pid] = used.get(pid, 0) + 1
        if power.cooldown:  # the turn it is used in counts down first
            cooldowns[pid] = power.cooldown + 1
    paid = state.model_copy(
        update={"points": state.points - use.points, "used": used, "cooldowns": cooldowns}
    )
    return sheet.model_copy(update={"powers": paid, "hp": sheet.hp - use.hp})


def refused_by(use: PowerUse, world: World, target_tags: Collection[str]) -> str | None:
    """Why a power cannot affect a target with these tags (undead, construct...)."""
    for pid in use.ids:
        power = world.powers[pid]
        blocked = set(power.cannot_affect) & set(target_tags)
        if blocked:
            return f"{power.name} cannot affect what is {', '.join(sorted(blocked))}."
    return None


def restore(sheet: Sheet, kind: str) -> Sheet:
    """A rest ends every cooldown; a long one also brings back power points and uses."""
    if sheet.powers is None:
        return sheet
    state = sheet.powers
    update: dict[str, object] = {"cooldowns": {}}
    if kind == "long":
        update.update(points=state.max_points, used={})
    return sheet.model_copy(update={"powers": state.model_copy(update=update)})


def time_passes(sheet: Sheet) -> Sheet:
    """One action that takes time: every running cooldown comes one turn nearer its end
    (the same sheet when none runs)."""
    state = sheet.powers
    if state is None or not state.cooldowns:
        return sheet
    left = {pid: n - 1 for pid, n in state.cooldowns.items() if n > 1}
    return sheet.model_copy(update={"powers": state.model_copy(update={"cooldowns": left})})
