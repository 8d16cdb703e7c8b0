"""Casting spells: what it costs, what it rolls and what it does (SRD 5.1 style).

Pure like the rule systems: sheets go in, new sheets and lines come out, dice
come through the ``Dice`` port. d20 casters spend spell slots and make spell
attacks (d20 + proficiency + ability modifier against AC) or force saving throws
(DC 8 + proficiency + modifier). Percentile casters spend magic points and roll
their casting skill (POW unless the spell names one); a failed casting still
costs 1 MP. The engine (``storyai.core.engine.casting``) picks spells and
targets and records the changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from storyai.core.domain.dice import Dice, RollResult, expected_value
from storyai.core.domain.errors import RuleError
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.spells import (
    Concentration,
    Spell,
    cantrip_dice,
    ordinal,
    spell_id,
    spell_slots,
)
from storyai.core.domain.world import World
from storyai.core.rules.base import Advantage, RuleSystem, with_bonus
from storyai.core.rules.srd_spells import SRD_SPELLS

_DICE = re.compile(r"(\d*)d(\d+)")


def spell_book(world: World) -> dict[str, Spell]:
    """Every spell a world can use: the built-in SRD table, then the world's own."""
    return {**SRD_SPELLS, **world.spells}


def known_spells(sheet: Sheet, book: Mapping[str, Spell]) -> dict[str, Spell]:
    """The caster's spells that the book defines, in the order they were listed."""
    if sheet.spellcasting is None:
        return {}
    return {s: book[s] for s in sheet.spellcasting.spells if s in book}


# ------------------------------------------------------------- numbers


def caster_level(sheet: Sheet) -> int:
    casting = sheet.spellcasting
    return (casting.caster_level if casting and casting.caster_level else None) or sheet.level


def max_slots(sheet: Sheet) -> dict[int, int]:
    """Slots per spell level when rested: a stat block's, else the caster table's."""
    casting = sheet.spellcasting
    if casting is None or sheet.system != "d20":
        return {}
    if casting.slots:
        return dict(casting.slots)
    return spell_slots(casting.progression, caster_level(sheet))


def slots_left(sheet: Sheet) -> dict[int, int]:
    casting = sheet.spellcasting
    spent = casting.spent if casting else {}
    return {lvl: max(0, n - spent.get(lvl, 0)) for lvl, n in max_slots(sheet).items()}


def spell_attack_bonus(sheet: Sheet) -> int:
    casting = sheet.spellcasting
    if casting and casting.attack_bonus is not None:
        return casting.attack_bonus
    return sheet.proficiency_bonus + sheet.mod(casting.ability if casting else "int")


def spell_save_dc(sheet: Sheet) -> int:
    casting = sheet.spellcasting
    if casting and casting.dc is not None:
        return casting.dc
    return 8 + sheet.proficiency_bonus + sheet.mod(casting.ability if casting else "int")


def scaled(expr: str, times: int) -> str:
    """Every die in ``expr`` rolled ``times`` as often: ``1d10`` x2 -> ``2d10``."""
    if times == 1:
        return expr
    return _DICE.sub(lambda m: f"{int(m.group(1) or 1) * times}d{m.group(2)}", expr)


def upcast(expr: str, extra: str | None, levels: int) -> str:
    """``expr`` plus ``extra`` for each slot level above the spell's own."""
    if not extra or levels <= 0:
        return expr
    return f"{expr}+{scaled(extra, levels)}"


def amount_dice(spell: Spell, sheet: Sheet, slot: int, base: str) -> str:
    """The damage, healing or pool a casting rolls: cantrips grow with the caster's
    level (5th, 11th, 17th); a higher slot adds ``upcast`` per level."""
    expr = base
    if spell.cantrip and spell.cantrip_scaling:
        expr = scaled(expr, cantrip_dice(caster_level(sheet)))
    expr = upcast(expr, spell.upcast, slot - spell.level)
    if spell.add_modifier and sheet.system == "d20" and sheet.spellcasting:
        expr = with_bonus(expr, sheet.mod(sheet.spellcasting.ability))
    return expr


def target_count(spell: Spell, slot: int) -> int:
    return spell.targets + spell.upcast_targets * max(0, slot - spell.level)


# ---------------------------------------------------------------- paying


def choose_slot(sheet: Sheet, spell: Spell, wanted: int | None = None) -> int:
    """The slot level a d20 casting uses: the one asked for, else the lowest free one
    at or above the spell's level (0 for a cantrip). In percentile worlds, the
    spell's level.

    Raises:
        RuleError: No such slot is left, or a slot below the spell's level.
    """
    if sheet.system != "d20":
        if sheet.spellcasting is None or sheet.spellcasting.mp < spell.cost:
            raise RuleError(_no_mp(sheet, spell))
        return spell.level
    if spell.cantrip:
        return 0
    left = slots_left(sheet)
    if wanted is not None:
        if wanted < spell.level:
            raise RuleError(
                f"{spell.name} is a {ordinal(spell.level)}-level spell; "
                f"it can't be cast with a {ordinal(wanted)}-level slot."
            )
        if left.get(wanted, 0) <= 0:
            raise RuleError(_no_slot(sheet, spell, wanted))
        return wanted
    free = sorted(lvl for lvl, n in left.items() if lvl >= spell.level and n > 0)
    if not free:
        raise RuleError(_no_slot(sheet, spell, spell.level))
    return free[0]


def _no_slot(sheet: Sheet, spell: Spell, level: int) -> str:
    have = max_slots(sheet).get(level, 0)
    if not have:
        return f"You have no {ordinal(level)}-level spell slots yet, so {spell.name} is beyond you."
    return (
        f"You have no {ordinal(level)}-level spell slots left (0 of {have}) for {spell.name}. "
        "A long rest brings them back; cantrips cost nothing."
    )


def _no_mp(sheet: Sheet, spell: Spell) -> str:
    mp = sheet.spellcasting.mp if sheet.spellcasting else 0
    return (
        f"{spell.name} costs {spell.cost} magic points and you have {mp}. "
        "A long rest restores them."
    )


def _with_casting(sheet: Sheet, **update: object) -> Sheet:
    assert sheet.spellcasting is not None
    return sheet.model_copy(update={"spellcasting": sheet.spellcasting.model_copy(update=update)})


def spend(sheet: Sheet, spell: Spell, slot: int, *, succeeded: bool = True) -> Sheet:
    """The caster after paying: a slot (d20), or magic points (percentile; 1 on a failure)."""
    casting = sheet.spellcasting
    if casting is None or (spell.cantrip and sheet.system == "d20"):
        return sheet
    if sheet.system != "d20":
        cost = spell.cost if succeeded else min(1, spell.cost)
        return _with_casting(sheet, mp=max(0, casting.mp - cost))
    spent = {**casting.spent, slot: casting.spent.get(slot, 0) + 1}
    return _with_casting(sheet, spent=spent)


def recover(sheet: Sheet) -> tuple[Sheet, tuple[str, ...]]:
    """A long rest: every slot and magic point back."""
    casting = sheet.spellcasting
    if casting is None or (not casting.spent and casting.mp == casting.max_mp):
        return sheet, ()
    after = _with_casting(sheet, spent={}, mp=casting.max_mp)
    if sheet.system == "d20":
        return after, ("Your spell slots are restored.",)
    return after, (f"Your magic points are restored ({casting.max_mp}).",)


# --------------------------------------------------------------- casting


@dataclass
class CastOutcome:
    """What one casting did: the caster and targets afterwards, and what to tell."""

    caster: Sheet
    targets: dict[str, Sheet] = field(default_factory=dict)
    rolls: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    damage: dict[str, int] = field(default_factory=dict)
    affected: list[str] = field(default_factory=list)
    """Targets now under the spell's conditions."""
    failed: bool = False


def cast(
    rules: RuleSystem,
    caster: Sheet,
    spell: Spell,
    slot: int,
    targets: Sequence[Sheet],
    dice: Dice,
) -> CastOutcome:
    """Cast ``spell`` with a slot of level ``slot`` (0 for cantrips) at ``targets``.

    The caster pays first (the outcome's ``caster``). A d20 spell attack rolls
    against each target's AC (a natural 20 doubles the dice); a save spell rolls
    each target's save against the caster's DC (half damage on a success where the
    spell says so); damage for an area is rolled once. A percentile casting rolls
    the casting skill first: on a failure nothing else happens.

    Raises:
        RuleError: The caster can't act.
    """
    rules._require_able(caster, "cast spells")
    out = CastOutcome(caster=caster)
    if caster.system != "d20":
        skill = spell.skill or "pow"
        check = rules.check(caster, skill, None, dice)
        out.rolls.append(f"{check.text} (casting {spell.name})")
        if not check.success:
            out.caster = spend(caster, spell, slot, succeeded=False)
            out.notes.append(f"The words of {spell.name} come out wrong; the spell fizzles.")
            out.failed = True
            return out
    out.caster = spend(caster, spell, slot)
    out.caster = _concentrate(out.caster, spell, ())
    if spell.hp_pool:
        _pool(rules, out, spell, slot, targets, dice)
    else:
        shared = (
            dice.roll(amount_dice(spell, caster, slot, spell.damage))
            if spell.damage and spell.area
            else None
        )
        for target in targets:
            _one(rules, out, spell, slot, target, dice, shared)
    if spell.concentration and out.affected:
        out.caster = _concentrate(out.caster, spell, tuple(out.affected))
    return out


def _concentrate(caster: Sheet, spell: Spell, targets: tuple[str, ...]) -> Sheet:
    if not spell.concentration or caster.spellcasting is None:
        return caster
    held = Concentration(
        spell=spell_id(spell.name), targets=targets, conditions=tuple(spell.conditions)
    )
    return _with_casting(caster, concentration=held)


def _current(out: CastOutcome, target: Sheet) -> Sheet:
    if target.id == out.caster.id:
        return out.caster
    return out.targets.get(target.id, target)


def _store(out: CastOutcome, sheet: Sheet) -> None:
    if sheet.id == out.caster.id:
        out.caster = sheet
    else:
        out.targets[sheet.id] = sheet


def _one(
    rules: RuleSystem,
    out: CastOutcome,
    spell: Spell,
    slot: int,
    target: Sheet,
    dice: Dice,
    shared: RollResult | None,
) -> None:
    caster = out.caster
    target = _current(out, target)
    if spell.heal:
        roll = dice.roll(amount_dice(spell, caster, slot, spell.heal))
        healed = rules.heal(target, max(0, roll.total))
        out.rolls.append(
            f"{caster.name} casts {spell.name} on {target.name}: {roll.breakdown}, "
            f"+{healed.hp - target.hp} HP ({healed.hp}/{healed.max_hp})."
        )
        _store(out, healed)
        return
    hit, critical, halve = True, False, False
    head = f"{caster.name} casts {spell.name}"
    if caster.system == "d20" and spell.attack:
        adv = Advantage.NONE
        attack_advantage = getattr(rules, "attack_advantage", None)
        if attack_advantage is not None:
            adv = attack_advantage(caster, target, spell.attack == "ranged")
        d20 = {"advantage": "2d20kh1", "disadvantage": "2d20kl1"}.get(adv, "1d20")
        roll = dice.roll(with_bonus(d20, spell_attack_bonus(caster)))
        natural = roll.natural
        hit = natural != 1 and (natural == 20 or roll.total >= target.ac)
        critical = hit and natural == 20
        verdict = "critical hit!" if critical else ("hit!" if hit else "miss.")
        head += f" at {target.name}: {roll.breakdown} vs AC {target.ac} — {verdict}"
    elif caster.system == "d20" and spell.save:
        check = rules.check(target, f"{spell.save}_save", spell_save_dc(caster), dice)
        out.rolls.append(check.text)
        hit = not check.success
        halve = check.success and spell.half_on_save
        head += f" at {target.name}" + ("" if hit else " — saved")
    else:
        head += f" at {target.name}"
    if spell.damage and (hit or halve):
        roll_ = shared
        if roll_ is None:
            expr = amount_dice(spell, caster, slot, spell.damage)
            roll_ = dice.roll(_double(expr) if critical else expr)
        total = max(0, roll_.total)
        amount = total // 2 if halve else total
        hurt, notes = rules.apply_damage(target, amount, spell.damage_type, critical=critical)
        hurt = woken(hurt)
        dealt = target.hp + target.temp_hp - hurt.hp - hurt.temp_hp
        out.damage[target.id] = out.damage.get(target.id, 0) + max(0, dealt)
        halved = " (halved)" if halve else ""
        out.rolls.append(
            " ".join(
                [
                    f"{_sentence(head)} {roll_.breakdown}{halved} {spell.damage_type} damage.",
                    *notes,
                ]
            )
        )
        _store(out, hurt)
        target = hurt
    elif not spell.damage or not hit:
        out.rolls.append(_sentence(head))
    if hit and spell.conditions and not target.is_dead:
        _condition(rules, out, spell, target)


def _condition(rules: RuleSystem, out: CastOutcome, spell: Spell, target: Sheet) -> None:
    current = _current(out, target)
    for condition in spell.conditions:
        try:
            current = rules.add_condition(current, condition)
        except RuleError as exc:
            out.notes.append(exc.message)
            return
    _store(out, current)
    out.affected.append(target.id)
    what = ", ".join(c.replace("_", " ") for c in spell.conditions)
    out.notes.append(f"{target.name} is {what}.")


def _pool(
    rules: RuleSystem,
    out: CastOutcome,
    spell: Spell,
    slot: int,
    targets: Sequence[Sheet],
    dice: Dice,
) -> None:
    assert spell.hp_pool is not None
    roll = dice.roll(amount_dice(spell, out.caster, slot, spell.hp_pool))
    pool = max(0, roll.total)
    out.rolls.append(f"{out.caster.name} casts {spell.name}: {roll.breakdown} hit points' worth.")
    for target in sorted(targets, key=lambda s: (s.hp, s.id)):
        current = _current(out, target)
        if current.is_down or set(spell.conditions) <= current.conditions:
            continue
        if "charmed" in current.condition_immunities:
            out.notes.append(f"{current.name} is not affected.")
            continue
        if current.hp > pool:
            out.notes.append(f"{current.name} is too strong for what is left of the spell.")
            break
        pool -= current.hp
        _condition(rules, out, spell, current)


def _sentence(text: str) -> str:
    return text if text.endswith(("!", ".")) else text + "."


def _double(expr: str) -> str:
    return _DICE.sub(lambda m: f"{int(m.group(1) or 1) * 2}d{m.group(2)}", expr)


def woken(sheet: Sheet) -> Sheet:
    """A sleeper who takes damage and is still standing wakes up (SRD: sleep)."""
    if sheet.is_player or sheet.hp <= 0 or "unconscious" not in sheet.conditions:
        return sheet
    return sheet.model_copy(update={"conditions": sheet.conditions - {"unconscious"}})


def end_concentration(sheet: Sheet) -> tuple[Sheet, Concentration | None]:
    """The caster no longer concentrating, and what they were holding."""
    casting = sheet.spellcasting
    if casting is None or casting.concentration is None:
        return sheet, None
    return _with_casting(sheet, concentration=None), casting.concentration


def concentration_dc(damage: int) -> int:
    """The Constitution save a concentrating caster makes when hurt: DC 10 or half the damage."""
    return max(10, damage // 2)


def expected_damage(spell: Spell, sheet: Sheet, slot: int) -> float:
    if not spell.damage:
        return 0.0
    per_target = expected_value(amount_dice(spell, sheet, slot, spell.damage))
    return per_target * (0.5 if spell.attack or spell.save else 1.0) + (
        per_target * 0.5 if spell.save and spell.half_on_save else 0
    )
