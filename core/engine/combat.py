"""Fights in the engine: who fights whom, in which order, and what NPCs do.

The rule system rolls and computes; this module decides when a fight starts
(an attack, or walking in on something hostile), lets the others act in their
initiative slots (``turn_order`` keeps the order), hands out loot and XP, and
ends the fight. A player at 0 HP is handled by ``downed``.
"""

from __future__ import annotations

from storyai.core.domain.ops import ChangeNpc, HearTopic, MoveItems, ReachEnding, SetCombat
from storyai.core.domain.sheet import Sheet
from storyai.core.engine import turn_order
from storyai.core.engine.draft import Draft
from storyai.core.engine.intent import Intent, resolve
from storyai.core.engine.story import apply_effects, award_xp, bond, witnesses
from storyai.core.rules import npc_action
from storyai.core.rules.legacy_marks import WON_AT_ONE_HP
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


def start(draft: Draft, foes: list[str]) -> None:
    """Begin a fight (or bring newcomers into one): initiative is rolled and the
    foes quicker than the player act before the player's first action."""
    if draft.state.combat:
        for cid in foes:
            turn_order.enlist(draft, cid)
        return
    quicker = turn_order.open_fight(draft, foes)
    draft.awaiting_action = True
    _take_turns(draft, quicker)


def ambush(draft: Draft) -> None:
    """Walking in on something hostile starts a fight."""
    foes = hostiles_here(draft)
    if foes and not draft.state.combat:
        names = ", ".join(draft.world.characters[c].name for c in foes)
        draft.say(f"{names} {'turns' if len(foes) == 1 else 'turn'} on you!", "heading")
        start(draft, foes)


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
        draft.say(_unable(draft.sheet), "notice")
        return
    npc = draft.state.npcs[target]
    if npc.attitude != "hostile":
        name = draft.world.characters[target].name
        bond(draft, target, -40, "you attacked them", "enemy")  # from how they stood
        witnesses(draft, f"saw you attack {name}", -10, besides=target)
        draft.do(ChangeNpc(who=target, attitude="hostile"))
        draft.say(f"{name} turns hostile.", "notice")
    start(draft, [target, *[c for c in hostiles_here(draft) if c != target]])
    if not draft.rules.can_act(draft.sheet):  # a quicker foe struck first
        draft.say("You go down before you can strike.", "notice")
        return
    draft.awaiting_action = False
    npc = draft.state.npcs[target]
    if npc.defeated or npc.fled or npc.location != draft.here:
        return
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
    if result.hit:  # where skills grow with use, a hit marks the skill
        marked = draft.rules.mark_skill(draft.sheet, result.skill or result.attack)
        draft.set_sheet(draft.actor, marked)
    if result.defender.is_dead or result.defender.hp <= 0:
        defeat(draft, target)
    else:
        casting.concentration_check(draft, target, result.damage)


def defeat(draft: Draft, target: str) -> None:
    ch = draft.world.characters[target]
    draft.do(ChangeNpc(who=target, defeated=True))
    draft.say(f"{ch.name} is defeated.", "heading")
    if draft.actor in draft.state.players and draft.sheet.hp == 1:
        draft.do(HearTopic(key=WON_AT_ONE_HP))  # for the legacy: a fight won at 1 HP
    witnesses(draft, f"saw you defeat {ch.name}", 5 if ch.kind == "creature" else -5)
    sheet = draft.state.npcs[target].sheet
    for item_id, count in sheet.inventory.items() if sheet else []:
        draft.do(MoveItems(location=draft.here, item=item_id, delta=count))
        draft.say(f"{ch.name} drops: {draft.world.items[item_id].name}.", "notice")
    award_xp(draft, sheet.xp_value if sheet else 0)
    apply_effects(draft, ch.on_defeat, source=ch.name, place=f"defeat:{target}")
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
    """Enemies strike once at someone who turns to leave, whatever their slot."""
    order = list(draft.state.combat.order) if draft.state.combat else []
    _take_turns(draft, order, only_the_actor=True)


def enemies_act(draft: Draft) -> None:
    """After the player's action: the others take their slots up to the player's next
    go. Nothing happens when the fight began this turn and the player has yet to act
    in it (the quicker foes have already had their go)."""
    combat = draft.state.combat
    if combat is None or draft.awaiting_action or combat.location != draft.here:
        return  # (a player elsewhere does not move someone else's fight on)
    for cid in hostiles_here(draft):  # someone turned hostile mid-fight
        turn_order.enlist(draft, cid)
    _take_turns(draft, turn_order.rest_of_round(draft))
    if not hostiles_here(draft):
        draft.do(SetCombat(combat=None))


def _take_turns(draft: Draft, ids: list[str], *, only_the_actor: bool = False) -> None:
    """Each of these NPCs, in order, takes its turn against the players here (against
    the acting player alone with ``only_the_actor``: blows at someone leaving)."""
    waiting = []
    for cid in ids:
        if draft.sheet.is_dead:
            break
        if cid not in draft.state.npcs or draft.state.npcs[cid].location != draft.here:
            continue
        if _fighter(draft, cid) is not None and not _npc_turn(draft, cid, only_the_actor):
            waiting.append(draft.world.characters[cid].name)
    if waiting and draft.sheet.is_down and not draft.sheet.is_dead:
        names = turn_order.joined(waiting)
        draft.say(f"{names} {'stands' if len(waiting) == 1 else 'stand'} over you.", "notice")


def _npc_turn(draft: Draft, cid: str, only_the_actor: bool = False) -> bool:
    """One NPC's turn; False when it had nothing to do (its foe is down)."""
    from storyai.core.engine import casting  # casting starts fights through this module

    npc_sheet = _fighter(draft, cid)
    assert npc_sheet is not None
    if casting.held_this_turn(draft, cid):  # hold person: no turn, a save at its end
        return True
    if "dodging" in npc_sheet.conditions:  # a dodge lasts until the NPC's next turn
        npc_sheet = draft.rules.remove_condition(npc_sheet, "dodging")
        draft.set_sheet(cid, npc_sheet)
    # the acting player first, then anyone else standing here: a foe turns from the
    # fallen to whoever still stands, and waits over them when nobody does
    others = [
        p.sheet
        for pid, p in draft.state.players.items()
        if pid != draft.actor and p.location == draft.here and not only_the_actor
    ]
    decision = npc_action(npc_sheet, None, (), (draft.sheet, *others), draft.dice)
    name = draft.world.characters[cid].name
    if decision.kind == "dodge":
        draft.set_sheet(cid, draft.rules.add_condition(npc_sheet, "dodging"))
        draft.say(f"{name} gives ground and guards ({decision.reason}).", "notice")
    elif decision.kind == "flee":
        draft.do(ChangeNpc(who=cid, fled=True))
        draft.say(f"{name} flees ({decision.reason}).", "notice")
    elif decision.kind == "attack":
        target = decision.target_id or draft.actor
        if casting.npc_casts(draft, cid, npc_sheet, target):  # a spell instead of a blow
            return True
        defender = draft.state.sheet_of(target)
        assert defender is not None  # npc_action picks among the sheets it was given
        result = draft.rules.attack(npc_sheet, defender, decision.attack, draft.dice, draft.world)
        draft.roll_line(result.text)
        draft.set_sheet(target, result.defender)
        casting.concentration_check(draft, target, result.damage)
    return decision.kind != "wait"


def check_death(draft: Draft) -> None:
    """A player who died this turn ends the story (the world's defeat)."""
    if draft.sheet.is_dead and not draft.state.ending:
        draft.do(ReachEnding(ending="__death"))
        draft.say("You have died.", "heading")
        draft.say("Your story ends here — unless you rewind to an earlier turn.", "ending")


def _unable(sheet: Sheet) -> str:
    blocking = sorted(sheet.conditions - {"prone", "dodging"})
    return f"You are {blocking[0]} and cannot fight." if blocking else "You cannot fight now."
