"""Casting in the engine: which spell, at whom, with which slot; and casters on NPC turns.

``cast`` handles what a player typed ("cast magic missile at wolf", "cast sleep",
"cast cure wounds with a 2nd-level slot", a bare "cast"). Anything that stops a
casting (no such spell, no slot left, nobody to aim at) is explained and costs
no time. The rules (``storyai.core.rules.spells``) roll and compute; this module
records the changes through the draft, starts fights, and defeats the fallen.
"""

from __future__ import annotations

import re

from storyai.core.domain.dice import expected_value
from storyai.core.domain.errors import RuleError
from storyai.core.domain.ops import ChangeNpc
from storyai.core.domain.sheet import Sheet, archetype_spellcasting
from storyai.core.domain.spells import Spell, ordinal
from storyai.core.engine import combat
from storyai.core.engine.draft import Draft
from storyai.core.engine.intent import Intent, Match, resolve
from storyai.core.rules import spells as magic
from storyai.core.rules.spell_lines import spell_lines, spell_resources
from storyai.core.rules.spells import spell_book

_SLOT = re.compile(
    r"\b(?:at|with|using|as)?\s*(?:a|an|the|my)?\s*(?:level\s*([1-9])|([1-9])(?:st|nd|rd|th)?"
    r"[- ]level)(?:\s+(?:spell\s+)?slot)?\b"
)


def _slot_words(text: str) -> tuple[str, int | None]:
    """``"wolf with a 2nd-level slot"`` -> ``("wolf", 2)``."""
    found = _SLOT.search(text)
    if not found:
        return text, None
    level = int(found.group(1) or found.group(2))
    return (text[: found.start()] + text[found.end() :]).strip(), level


def spell_list(draft: Draft) -> str:
    """What the caster can cast right now, with slots or magic points left."""
    sheet = draft.sheet
    lines = spell_lines(sheet, draft.world)
    if not lines:
        return "You know no spells."
    out = ["Cast which spell?"]
    for line in lines:
        cost = f" ({line.cost})" if line.cost else ""
        out.append(f"  {line.name} — {line.level_label}{cost}: {line.effect}")
    resources = spell_resources(sheet)
    if resources:
        out.append("Left: " + ", ".join(f"{r.label} {r.amount}" for r in resources) + ".")
    example = next((line.name.lower() for line in lines if line.level == 0), lines[0].name.lower())
    out.append(f"Type e.g. 'cast {example} at {_example_foe(draft)}'.")
    return "\n".join(out)


def _example_foe(draft: Draft) -> str:
    foes = combat.hostiles_here(draft)
    return draft.world.characters[foes[0]].name.lower() if foes else "the wolf"


def _free(draft: Draft, text: str) -> None:
    """Tell the player why nothing was cast; the turn costs no time."""
    draft.say(text, "notice")
    draft.free = True


def cast(draft: Draft, intent: Intent) -> None:
    sheet = archetype_spellcasting(draft.sheet, draft.world)
    if sheet is not draft.sheet:  # a story saved before spells existed
        draft.set_sheet(draft.actor, sheet)
    book = spell_book(draft.world)
    known = magic.known_spells(sheet, book)
    if not known:
        _free(draft, "You know no spells. (Try attack, use or talk.)")
        return
    words, wanted = _slot_words(intent.object)
    target_words, target_slot = _slot_words(intent.target)
    wanted = wanted or target_slot
    if not words:
        _free(draft, spell_list(draft))
        return
    spell_names = {sid: [s.name] for sid, s in known.items()}
    match = resolve(words, spell_names)
    if match.id is None and not match.ambiguous and not target_words:
        words, target_words, match = _split_target(words, spell_names)
    if match.ambiguous:
        names = ", ".join(known[c].name for c in match.candidates[:5])
        _free(draft, f"Which spell do you mean: {names}?")
        return
    if match.id is None:
        other = resolve(words, {sid: [s.name] for sid, s in book.items()})
        names = ", ".join(s.name for s in known.values())
        if other.id is not None:
            _free(draft, f"You don't know {book[other.id].name}. You know: {names}.")
        else:
            _free(draft, f"There is no spell called '{words}' that you know. You know: {names}.")
        return
    spell = known[match.id]
    if not draft.rules.can_act(sheet):
        draft.say("You cannot cast in this state.", "notice")  # the turn still passes
        return
    try:
        slot = magic.choose_slot(sheet, spell, wanted)
    except RuleError as exc:
        _free(draft, exc.message)
        return
    targets = _targets(draft, spell, target_words, slot)
    if targets is None:
        return
    _resolve(draft, draft.actor, spell, slot, targets)


def _split_target(words: str, names: dict[str, list[str]]) -> tuple[str, str, Match]:
    """``"fire bolt wolf"`` (no "at"): the longest start that names a known spell, and
    the rest as the target."""
    tokens = words.split()
    for cut in range(len(tokens) - 1, 0, -1):
        head = " ".join(tokens[:cut])
        found = resolve(head, names)
        if found.id is not None:
            return head, " ".join(tokens[cut:]), found
    return words, "", resolve(words, names)


def _targets(draft: Draft, spell: Spell, words: str, slot: int) -> list[str] | None:
    """Who the spell affects (sheet ids); None when the player must say (no time spent)."""
    if spell.affects in ("self", "object"):
        return []
    if spell.affects == "ally":
        if not words or words in ("me", "myself", "self", "yourself"):
            return [draft.actor]
        allies = {
            pid: [p.name] for pid, p in draft.state.players.items() if p.location == draft.here
        }
        match = resolve(words, allies)
        if match.id is None:
            _free(draft, f"You can cast {spell.name} on yourself or a companion here.")
            return None
        return [match.id]
    foes = combat.hostiles_here(draft)
    candidates = {
        cid: [draft.world.characters[cid].name, *draft.world.characters[cid].name.split()]
        for cid in draft.state.characters_at(draft.here)
        if draft.state.npcs[cid].sheet is not None and not draft.state.npcs[cid].defeated
    }
    named: list[str] = []
    for part in re.split(r",|\band\b|&", words) if words else []:
        if not part.strip():
            continue
        match = resolve(part.strip(), candidates)
        if match.id is None:
            names = ", ".join(v[0] for v in candidates.values()) or "nobody"
            _free(draft, f"Cast {spell.name} at whom? Here: {names}.")
            return None
        if match.id not in named:
            named.append(match.id)
    count = magic.target_count(spell, slot)
    if len(named) > count and not spell.area:
        slot_words = f" with a {ordinal(slot)}-level slot" if slot else ""
        _free(draft, f"{spell.name} affects at most {count}{slot_words}; name fewer.")
        return None
    if not named and (spell.area or len(foes) == 1):
        chosen = foes[:count]
    elif named:
        chosen = [*named, *[f for f in foes if f not in named and spell.area]][:count]
    else:
        names = ", ".join(v[0] for v in candidates.values()) or "nobody"
        _free(draft, f"Cast {spell.name} at whom? Here: {names}.")
        return None
    if not chosen:
        _free(draft, f"There is no one here to cast {spell.name} at.")
        return None
    return chosen


def _sheet_of(draft: Draft, who: str) -> Sheet:
    if who in draft.state.players:
        return draft.state.players[who].sheet
    found = draft.state.npcs[who].sheet
    assert found is not None  # targets are chosen among characters with sheets
    return found


def _resolve(draft: Draft, caster_id: str, spell: Spell, slot: int, targets: list[str]) -> None:
    caster = _sheet_of(draft, caster_id)
    player = caster_id in draft.state.players
    if player:
        for target in targets:
            if target in draft.state.npcs and draft.state.npcs[target].attitude != "hostile":
                draft.do(ChangeNpc(who=target, attitude="hostile"))
                draft.say(f"{draft.world.characters[target].name} turns hostile.", "notice")
        foes = [t for t in targets if t in draft.state.npcs]
        if foes:
            others = [c for c in combat.hostiles_here(draft) if c not in foes]
            combat.start(draft, [*foes, *others])
            if not draft.rules.can_act(draft.sheet):  # a quicker foe struck first
                draft.say("You go down before you can cast.", "notice")
                return
            draft.awaiting_action = False
    if spell.concentration:
        _drop_concentration(draft, caster_id)
        caster = _sheet_of(draft, caster_id)
    slot_words = f" with a {ordinal(slot)}-level slot" if slot > spell.level else ""
    if player:
        draft.say(f"You cast {spell.name}{slot_words}.")
    else:
        name = draft.world.characters[caster_id].name
        draft.say(f"{name} casts {spell.name}{slot_words}.")
    immune = [t for t in targets if _unaffected(draft, spell, t)]
    for who in immune:
        draft.say(f"{draft.world.characters[who].name} is not affected by {spell.name}.", "notice")
    targets = [t for t in targets if t not in immune]
    try:
        out = magic.cast(
            draft.rules, caster, spell, slot, [_sheet_of(draft, t) for t in targets], draft.dice
        )
    except RuleError as exc:
        _free(draft, exc.message)
        return
    draft.set_sheet(caster_id, out.caster)
    for text in out.rolls:
        draft.roll_line(text, {"spell": spell.name})
    for who, after in out.targets.items():
        draft.set_sheet(who, after)
    for note in out.notes:
        draft.say(note, "notice")
    if not targets and spell.description and not out.failed:
        draft.say(spell.description)
    for resource in spell_resources(draft.sheet) if player else ():
        if resource.key in (f"slots_{slot}", "mp"):  # what this casting spent
            draft.say(f"{resource.label} left: {resource.current}.", "notice")
    for who, dealt in out.damage.items():
        if who in draft.state.npcs:
            fallen = draft.state.npcs[who].sheet
            if fallen is not None and (fallen.is_dead or fallen.hp <= 0):
                combat.defeat(draft, who)
                continue
        concentration_check(draft, who, dealt)


def _unaffected(draft: Draft, spell: Spell, who: str) -> bool:
    """Whether a creature's tags put it beyond the spell (sleep does nothing to undead)."""
    character = draft.world.characters.get(who)
    tags = {t.lower() for t in character.tags} if character else set()
    return bool(tags & {t.lower() for t in spell.unaffected})


def _drop_concentration(draft: Draft, caster_id: str) -> None:
    """The caster stops concentrating: the spell's conditions leave whoever it held."""
    sheet, held = magic.end_concentration(_sheet_of(draft, caster_id))
    if held is None:
        return
    draft.set_sheet(caster_id, sheet)
    spell = spell_book(draft.world).get(held.spell)
    name = spell.name if spell else held.spell.replace("_", " ")
    for target in held.targets:
        if target not in draft.state.npcs and target not in draft.state.players:
            continue
        after = _sheet_of(draft, target)
        for condition in held.conditions:
            after = draft.rules.remove_condition(after, condition)
        draft.set_sheet(target, after)
    draft.say(f"{sheet.name} is no longer concentrating on {name}.", "notice")


def concentration_check(draft: Draft, who: str, damage: int) -> None:
    """A concentrating caster who takes damage makes a Constitution save (DC 10 or
    half the damage) or loses the spell."""
    sheet = _sheet_of(draft, who)
    casting = sheet.spellcasting
    if damage <= 0 or casting is None or casting.concentration is None:
        return
    if sheet.is_down:
        _drop_concentration(draft, who)
        return
    dc = magic.concentration_dc(damage)
    skill = "con_save" if sheet.system == "d20" else "pow"
    try:
        check = draft.rules.check(sheet, skill, dc if sheet.system == "d20" else None, draft.dice)
    except RuleError:
        _drop_concentration(draft, who)
        return
    draft.roll_line(check.text + " (concentration)")
    if not check.success:
        _drop_concentration(draft, who)


def held_this_turn(draft: Draft, cid: str) -> bool:
    """A creature held by a player's concentration spell (hold person) loses its turn and
    repeats the save at the end of it (SRD); a success frees it. Whether it was held."""
    book = spell_book(draft.world)
    for pid, player in draft.state.players.items():
        casting = player.sheet.spellcasting
        if casting is None or casting.concentration is None:
            continue
        held = casting.concentration
        spell = book.get(held.spell)
        npc = draft.state.npcs[cid].sheet
        if cid not in held.targets or spell is None or spell.save is None or npc is None:
            continue
        name = draft.world.characters[cid].name
        draft.say(f"{name} strains against {spell.name}.", "notice")
        dc = magic.spell_save_dc(player.sheet)
        check = draft.rules.check(npc, f"{spell.save}_save", dc, draft.dice)
        draft.roll_line(check.text)
        if check.success:
            freed = npc
            for condition in held.conditions:
                freed = draft.rules.remove_condition(freed, condition)
            draft.set_sheet(cid, freed)
            rest = tuple(t for t in held.targets if t != cid)
            still = held.model_copy(update={"targets": rest}) if rest else None
            after = casting.model_copy(update={"concentration": still})
            draft.set_sheet(pid, player.sheet.model_copy(update={"spellcasting": after}))
            draft.say(f"{name} breaks free of {spell.name}.", "notice")
        return True
    return False


def after_rest(draft: Draft, kind: str) -> None:
    """A long rest brings back every spell slot and magic point."""
    if kind != "long":
        return
    sheet, notes = magic.recover(draft.sheet)
    if notes:
        draft.set_sheet(draft.actor, sheet)
        for note in notes:
            draft.say(note, "notice")


def offensive_spell(draft: Draft) -> str | None:
    """The spell worth offering as a choice in a fight: the strongest that hurts a foe
    and can be paid for now (a cantrip always can)."""
    sheet = draft.sheet
    hurting = [
        spell
        for spell in magic.known_spells(sheet, spell_book(draft.world)).values()
        if (spell.damage or spell.hp_pool) and spell.affects == "foe" and _can_pay(sheet, spell)
    ]
    if not hurting:
        return None
    best = max(hurting, key=lambda s: (magic.expected_damage(s, sheet, s.level), -s.level))
    return best.name


def npc_casts(draft: Draft, cid: str, sheet: Sheet, target: str) -> bool:
    """An NPC caster's turn: its best spell at ``target`` (the one it would strike) when
    that beats its best attack (or heals itself when badly hurt). Whether it cast."""
    known = magic.known_spells(sheet, spell_book(draft.world))
    if not known or not draft.rules.can_act(sheet):
        return False
    if sheet.hp * 2 < sheet.max_hp:
        for spell in known.values():
            if spell.heal and _can_pay(sheet, spell):
                _resolve(draft, cid, spell, magic.choose_slot(sheet, spell), [cid])
                return True
    best: tuple[float, Spell, int] | None = None
    for spell in known.values():
        if not spell.damage or spell.affects != "foe" or not _can_pay(sheet, spell):
            continue
        slot = _best_slot(sheet, spell)
        value = magic.expected_damage(spell, sheet, slot)
        if best is None or value > best[0]:
            best = (value, spell, slot)
    if best is None:
        return False
    attack = max((_attack_value(a.damage) for a in sheet.attacks), default=0.0)
    if best[0] < attack:
        return False
    _resolve(draft, cid, best[1], best[2], [target])
    return True


def _attack_value(damage: str) -> float:
    return expected_value(damage) * 0.6


def _can_pay(sheet: Sheet, spell: Spell) -> bool:
    try:
        magic.choose_slot(sheet, spell)
    except RuleError:
        return False
    return True


def _best_slot(sheet: Sheet, spell: Spell) -> int:
    """The highest slot left when a higher slot does more (an NPC holds nothing back),
    else the lowest that will do."""
    if spell.cantrip or sheet.system != "d20" or not (spell.upcast or spell.upcast_targets):
        return magic.choose_slot(sheet, spell)
    left = magic.slots_left(sheet)
    return max(lvl for lvl, n in left.items() if lvl >= spell.level and n > 0)
