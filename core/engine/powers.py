"""Using powers in a turn: "use ember touch on the wolf", "use ember touch with hearth
ward", "powers". The rules (``storyai.core.rules.powers``) say whether it can be done
and what it costs; this module finds the powers and the target in what was typed,
pays, rolls and applies, and starts a fight when a power is turned on someone.

A refusal (unknown power, not ready, too dear, a target it cannot affect) is
explained and costs no time.
"""

from __future__ import annotations

import re

from storyai.core.domain.errors import RuleError
from storyai.core.domain.ops import ChangeNpc, LearnLore
from storyai.core.engine import combat
from storyai.core.engine.draft import Draft
from storyai.core.engine.intent import Intent, resolve
from storyai.core.engine.story import bond
from storyai.core.rules import powers as rules
from storyai.core.rules.spells import woken
from storyai.core.views.powers import powers_text, powers_view

_LEAD = re.compile(r"^\s*(use|invoke|channel|activate)\s+(the\s+|my\s+)?", re.IGNORECASE)
_TARGET = re.compile(r"\s+(?:on|at|against)\s+(?:the\s+)?", re.IGNORECASE)
_TOGETHER = re.compile(r"\s+(?:with|and|\+)\s+(?:the\s+|my\s+)?", re.IGNORECASE)


def show(draft: Draft, intent: Intent) -> None:
    """The `powers` command: what each power and combo would do now."""
    view = powers_view(draft.sheet, draft.world, draft.state.turn, draft.state.flags)
    draft.say(powers_text(view), "notice")


def _known(draft: Draft) -> dict[str, list[str]]:
    state = rules.state_of(draft.sheet)
    return {pid: [draft.world.powers[pid].name] for pid in state.known if pid in draft.world.powers}


def parse(draft: Draft, text: str) -> tuple[list[str], list[str], str] | None:
    """(power ids found, words that named no power, target words) when ``text`` starts
    by naming one of the character's powers; None when it names none."""
    known = _known(draft)
    if not known:
        return None
    rest = _LEAD.sub("", text.strip(), count=1)
    parts = _TARGET.split(rest, maxsplit=1)
    target = parts[1].strip() if len(parts) > 1 else ""
    names = [n.strip() for n in _TOGETHER.split(parts[0]) if n.strip()]
    if not names:
        return None
    ids, unknown = [], []
    for i, words in enumerate(names):
        match = resolve(words, known)
        if match.id is None:
            if i == 0:
                return None  # not about a power at all
            unknown.append(words)
        else:
            ids.append(match.id)
    return ids, unknown, target


def _refuse(draft: Draft, text: str) -> None:
    draft.say(text, "notice")
    draft.free = True


def invoke(draft: Draft, intent: Intent) -> None:
    """`invoke X`: a power by name, or why not."""
    if not use_if_power(draft, intent.raw or intent.object):
        _refuse(draft, "You have no power by that name. Type 'powers' to see yours.")


def use_if_power(draft: Draft, text: str) -> bool:
    """Use the power(s) ``text`` names; False when it names none of the character's."""
    parsed = parse(draft, text)
    if parsed is None:
        return False
    ids, unknown, target_words = parsed
    if unknown:
        _refuse(draft, f"You have no power called '{unknown[0]}'. Type 'powers' to see yours.")
        return True
    world, state = draft.world, draft.state
    try:
        use = rules.plan(draft.sheet, ids, world, state.turn, state.flags)
    except RuleError as exc:
        _refuse(draft, exc.message + (f" ({exc.hint})" if exc.hint else ""))
        return True
    if not draft.rules.can_act(draft.sheet):
        _refuse(draft, "You are in no state to do that.")
        return True
    target = None
    if use.effect.targets_foe:
        target = _target(draft, target_words)
        if target is None:
            return True
        reason = rules.refused_by(use, world, world.characters[target].tags)
        if reason:
            _refuse(draft, reason)
            return True
    draft.set_sheet(draft.actor, rules.pay(draft.sheet, use, world, state.turn))
    if use.combo:
        draft.say(f"Combo: {use.name}! ({use.cost_text})", "heading")
        if use.text:
            draft.say(use.text)
    else:
        draft.say(f"You use {use.name} ({use.cost_text}).", "notice")
    _apply(draft, use, target)
    return True


def _target(draft: Draft, words: str) -> str | None:
    """The character a foe-affecting power is turned on (a fight starts), or None
    (and why, costing nothing)."""
    state, world = draft.state, draft.world
    targets = {
        cid: [world.characters[cid].name, *world.characters[cid].name.split()]
        for cid in state.characters_at(draft.here)
        if state.npcs[cid].sheet is not None and not state.npcs[cid].defeated
    }
    hostile = combat.hostiles_here(draft)
    if not words and len(hostile) == 1:
        target = hostile[0]
    else:
        match = resolve(words, targets) if words else None
        if match is None or match.id is None:
            names = ", ".join(v[0] for v in targets.values()) or "nobody"
            _refuse(draft, f"On whom? Here: {names}.")
            return None
        target = match.id
    if state.npcs[target].attitude != "hostile":
        bond(draft, target, -40, "you turned a power on them", "enemy")  # from how they stood
        draft.do(ChangeNpc(who=target, attitude="hostile"))
        draft.say(f"{world.characters[target].name} turns hostile.", "notice")
    combat.start(draft, [target, *[c for c in combat.hostiles_here(draft) if c != target]])
    return target


def _apply(draft: Draft, use: rules.PowerUse, target: str | None) -> None:
    from storyai.core.engine import casting  # casting and combat import each other

    effect, world = use.effect, draft.world
    match effect.type:
        case "damage":
            assert target is not None
            sheet = draft.state.npcs[target].sheet
            assert sheet is not None
            roll = draft.dice.roll(str(use.amount))
            kind = effect.damage_type or ""
            draft.roll_line(
                f"{use.name}: {roll.breakdown} {kind} damage".replace("  ", " "),
                {"attack": use.name, "hit": True, "damage": roll.total},
            )
            after, notes = draft.rules.apply_damage(sheet, roll.total, effect.damage_type)
            draft.set_sheet(target, woken(after))
            for note in notes:
                draft.say(note, "notice")
            if after.is_dead or after.hp <= 0:
                combat.defeat(draft, target)
            else:
                casting.concentration_check(draft, target, sheet.hp - after.hp)
        case "condition":
            assert target is not None
            sheet = draft.state.npcs[target].sheet
            assert sheet is not None
            name = world.characters[target].name
            condition = effect.condition or ""
            if condition in sheet.condition_immunities:
                draft.say(f"{name} is not affected.", "notice")
                return
            draft.set_sheet(target, draft.rules.add_condition(sheet, condition))
            draft.say(f"{name} is {condition.replace('_', ' ')}.", "notice")
        case "heal":
            roll = draft.dice.roll(str(use.amount))
            draft.roll_line(f"{use.name}: {roll.breakdown} HP")
            before = draft.sheet.hp
            healed = draft.rules.heal(draft.sheet, roll.total)
            draft.set_sheet(draft.actor, healed)
            draft.say(
                f"You recover {healed.hp - before} HP ({healed.hp}/{healed.max_hp}).", "notice"
            )
        case "reveal":
            lore_id = effect.lore or ""
            entry = world.lore[lore_id]
            if lore_id not in draft.state.lore_known:
                draft.do(LearnLore(lore=lore_id))
            draft.say(f"You know, suddenly: {entry.title}. {' '.join(entry.text.split())}")


def after_rest(draft: Draft, kind: str) -> None:
    """A rest ends cooldowns; a long rest brings power points and uses back."""
    before = draft.sheet.powers
    if before is None:
        return
    rested = rules.restore(draft.sheet, kind)
    if rested != draft.sheet:
        draft.set_sheet(draft.actor, rested)
    if kind == "long" and (before.points < before.max_points or before.used):
        draft.say(f"Your powers return ({before.max_points} PP).", "notice")


def time_passes(draft: Draft) -> None:
    """The actor's running cooldowns count down one turn."""
    after = rules.time_passes(draft.sheet)
    if after is not draft.sheet:
        draft.set_sheet(draft.actor, after)
