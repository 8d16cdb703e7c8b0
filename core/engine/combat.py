"""Fights in the engine: who fights whom, in which order, and what NPCs do.

The rule system rolls and computes; this module decides when a fight starts
(an attack, or walking in on something hostile), lets enemies act after each
player action, hands out loot and XP, and ends the fight.
"""

from __future__ import annotations

from storyai.core.domain.ops import ChangeNpc, MoveItems, ReachEnding, SetCombat
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.state import Combat
from storyai.core.engine.draft import Draft
from storyai.core.engine.intent import Intent, resolve
from storyai.core.engine.story import apply_effects, award_xp
from storyai.core.rules import npc_action, roll_initiative
from storyai.core.rules.spells import woken


def hostiles_here(draft: Draft) -> list[str]:
    return [
        cid for cid in draft.state.characters_at(draft.here) if _fighter(draft, cid) is not None
    ]


def _fighter(draft: Draft, cid: str) -> Sheet | None:
    """The sheet of an NPC who fights (hostile, not defeated, not dead), else None."""
    npc = draft.state.npcs[cid]
    if npc.attitude != "hostile" or npc.defeated or npc.sheet is None or npc.sheet.is_dead:
        return None
    return npc.sheet


def _start(draft: Draft, foes: list[str]) -> None:
    if draft.state.combat:
        return
    sheets = [draft.sheet] + [draft.state.npcs[c].sheet for c in foes]
    order = roll_initiative([s for s in sheets if s], draft.dice, draft.rules)
    draft.do(SetCombat(combat=Combat(location=draft.here, order=[e.sheet_id for e in order])))
    draft.roll_line("Initiative: " + ", ".join(f"{e.name} {e.score}" for e in order))


def ambush(draft: Draft) -> None:
    """Walking in on something hostile starts a fight."""
    foes = hostiles_here(draft)
    if foes and not draft.state.combat:
        names = ", ".join(draft.world.characters[c].name for c in foes)
        draft.say(f"{names} {'turns' if len(foes) == 1 else 'turn'} on you!", "heading")
        _start(draft, foes)


def attack(draft: Draft, intent: Intent) -> None:
    from storyai.core.engine import casting  # casting starts fights through this module

    targets = {
        cid: [draft.world.characters[cid].name, *draft.world.characters[cid].name.split()]
        for cid in draft.state.characters_at(draft.here)
        if draft.state.npcs[cid].sheet is not None and not draft.state.npcs[cid].defeated
    }
    if not intent.object and len(hostiles_here(draft)) == 1:
        target = hostiles_here(draft)[0]
    else:
        match = resolve(intent.object, targets) if intent.object else None
        if match is None or match.id is None:
            names = ", ".join(v[0] for v in targets.values()) or "nobody"
            draft.say(f"Attack whom? Here: {names}.", "notice")
            return
        target = match.id
    if not draft.rules.can_act(draft.sheet):
        draft.say("You cannot fight in this state.", "notice")
        return
    npc = draft.state.npcs[target]
    if npc.attitude != "hostile":
        draft.do(ChangeNpc(who=target, attitude="hostile"))
        draft.say(f"{draft.world.characters[target].name} turns hostile.", "notice")
    _start(draft, [target, *[c for c in hostiles_here(draft) if c != target]])
    weapon_words = intent.target or None
    weapon = None
    if weapon_words:
        m = resolve(weapon_words, {i: [draft.world.items[i].name] for i in draft.sheet.inventory})
        weapon = m.id
    defender = npc.sheet
    assert defender is not None  # every target above has a sheet
    result = draft.rules.attack(draft.sheet, defender, weapon, draft.dice, draft.world)
    draft.roll_line(
        result.text, {"attack": result.attack, "hit": result.hit, "damage": result.damage}
    )
    draft.set_sheet(target, woken(result.defender) if result.hit else result.defender)
    if result.defender.is_dead or result.defender.hp <= 0:
        defeat(draft, target)
    else:
        casting.concentration_check(draft, target, result.damage)


def defeat(draft: Draft, target: str) -> None:
    ch = draft.world.characters[target]
    draft.do(ChangeNpc(who=target, defeated=True))
    draft.say(f"{ch.name} is defeated.", "heading")
    sheet = draft.state.npcs[target].sheet
    for item_id, count in sheet.inventory.items() if sheet else []:
        draft.do(MoveItems(location=draft.here, item=item_id, delta=count))
        draft.say(f"{ch.name} drops: {draft.world.items[item_id].name}.", "notice")
    award_xp(draft, sheet.xp_value if sheet else 0)
    apply_effects(draft, ch.on_defeat, source=ch.name)
    if not hostiles_here(draft):
        draft.do(SetCombat(combat=None))
        draft.say("The fight is over.", "notice")


def flee(draft: Draft, intent: Intent) -> None:
    if not draft.state.combat:
        draft.say("There is nothing to flee from.", "notice")
        return
    parting_blows(draft)
    if draft.rules.can_act(draft.sheet):
        draft.do(SetCombat(combat=None))
        back = draft.player.previous
        exits = draft.world.locations[draft.here].exits
        target = next((e.to for e in exits.values() if e.to == back), None) or next(
            (e.to for e in exits.values()), None
        )
        if target:
            from storyai.core.engine.actions import enter

            draft.say("You run!")
            enter(draft, target)


def parting_blows(draft: Draft) -> None:
    """Enemies strike once at someone who turns to leave."""
    enemies_act(draft, reason="as you turn to go")


def enemies_act(draft: Draft, *, reason: str = "") -> None:
    """Every hostile NPC here takes its turn against the player."""
    from storyai.core.engine import casting  # casting starts fights through this module

    if not draft.state.combat:
        return
    for cid in list(draft.state.combat.order):
        if cid not in draft.state.npcs or draft.state.npcs[cid].location != draft.here:
            continue
        npc_sheet = _fighter(draft, cid)
        if npc_sheet is None:
            continue
        if casting.held_this_turn(draft, cid):  # hold person: no turn, a save at its end
            continue
        if "dodging" in npc_sheet.conditions:  # a dodge lasts until the NPC's next turn
            npc_sheet = draft.rules.remove_condition(npc_sheet, "dodging")
            draft.set_sheet(cid, npc_sheet)
        decision = npc_action(npc_sheet, None, (), (draft.sheet,), draft.dice)
        name = draft.world.characters[cid].name
        if decision.kind == "dodge":
            draft.set_sheet(cid, draft.rules.add_condition(npc_sheet, "dodging"))
            draft.say(f"{name} gives ground and guards ({decision.reason}).", "notice")
            continue
        if decision.kind == "flee":
            draft.do(ChangeNpc(who=cid, fled=True))
            draft.say(f"{name} flees ({decision.reason}).", "notice")
            continue
        if decision.kind != "attack":
            continue
        if casting.npc_casts(draft, cid, npc_sheet):  # a caster's spell instead of a blow
            if draft.sheet.is_dead:
                break
            continue
        result = draft.rules.attack(
            npc_sheet, draft.sheet, decision.attack, draft.dice, draft.world
        )
        draft.roll_line(result.text)
        draft.set_sheet(draft.actor, result.defender)
        casting.concentration_check(draft, draft.actor, result.damage)
        if draft.sheet.is_dead:
            break
    if not hostiles_here(draft):
        draft.do(SetCombat(combat=None))


def check_death(draft: Draft) -> None:
    sheet = draft.sheet
    if sheet.is_dead and not draft.state.ending:
        draft.do(ReachEnding(ending="__death"))
        draft.say("You have died.", "heading")
        draft.say("Your story ends here — unless you rewind to an earlier turn.", "ending")
    elif sheet.hp <= 0 and not draft.rules.is_dying(sheet) and not sheet.is_dead:
        # stable: the player comes to, battered, instead of lying there for ever
        woken = draft.rules.remove_condition(draft.rules.heal(sheet, 1), "prone")
        draft.set_sheet(draft.actor, woken)
        draft.say("You come to, battered and bleeding, with 1 HP.", "notice")
    elif sheet.hp <= 0 and draft.rules.is_dying(sheet):
        new, result = draft.rules.death_save(sheet, draft.dice)
        draft.roll_line(result.text)
        draft.set_sheet(draft.actor, new)
        if new.is_dead:
            check_death(draft)
