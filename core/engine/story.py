"""The world's authored logic: conditions, effects, quest progress and endings.

Triggers that are things the player does (a talk, a use, a visit, words said)
count for an objective only when done after its stage began: "Talk to Reeve
Hesta" is not ticked off by a chat before the stage asked for it (unless the
author sets ``counts_before``). Triggers that are states (holding an item, a
flag, a defeat) are judged on the state, so nobody is stuck for having done
things in an unexpected order.
"""

from __future__ import annotations

from storyai.core.domain.errors import RuleError
from storyai.core.domain.ops import (
    ChangeRelationship,
    MoveItems,
    ReachEnding,
    SetFlag,
    SetQuest,
)
from storyai.core.domain.relationships import KINDS
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.standing import reputation_with, wearing
from storyai.core.domain.state import GameState, QuestState
from storyai.core.domain.world import (
    Condition,
    Effect,
    Quest,
    RelationshipCondition,
    ReputationCondition,
    Trigger,
    World,
)
from storyai.core.engine import standing
from storyai.core.engine.draft import Draft
from storyai.core.engine.intent import normalized
from storyai.core.rules import features


def holds(cond: Condition | None, state: GameState, actor: str, world: World) -> bool:
    """Whether every part of ``cond`` is true for ``actor`` now."""
    if cond is None:
        return True
    sheet = state.players[actor].sheet
    if cond.item and sheet.count(cond.item) <= 0:
        return False
    if cond.flag and cond.flag not in state.flags:
        return False
    if cond.not_flag and cond.not_flag in state.flags:
        return False
    if cond.relationship and not _bond_holds(cond.relationship, state, actor):
        return False
    if cond.reputation and not _standing_holds(cond.reputation, sheet, world):
        return False
    if cond.exhaustion is not None and sheet.exhaustion < cond.exhaustion:
        return False
    if cond.title and cond.title not in wearing(sheet, world):
        return False
    if cond.background and not (sheet.identity and sheet.identity.has(cond.background)):
        return False
    if cond.quest_done and state.quests.get(cond.quest_done, QuestState()).status != "done":
        return False
    if cond.quest:
        qs = state.quests.get(cond.quest, QuestState())
        if qs.status == "inactive":
            return False
        if cond.stage:
            stages = [s.id for s in world.quests[cond.quest].stages]
            reached = len(stages) if qs.status == "done" else qs.stage
            if stages.index(cond.stage) > reached:
                return False
    return True


def _standing_holds(cond: ReputationCondition, sheet: Sheet, world: World) -> bool:
    faction = world.factions.get(cond.faction)
    if faction is None:
        return False
    value = reputation_with(sheet, cond.faction, world)
    return (cond.min is None or value >= cond.min) and (cond.max is None or value <= cond.max)


def _bond_holds(cond: RelationshipCondition, state: GameState, actor: str) -> bool:
    npc = state.npcs.get(cond.who)
    if npc is None:
        return False
    bond = npc.relationship(actor)
    return (
        (cond.min is None or bond.value >= cond.min)
        and (cond.max is None or bond.value <= cond.max)
        and (cond.kind is None or bond.kind == cond.kind)
    )


def fired(trigger: Trigger, state: GameState, actor: str, since: int | None = None) -> bool:
    """Whether a trigger's condition is met in ``state``; with ``since`` (a ``tick``),
    a talk, use or visit counts only when it happened after it."""
    player = state.players[actor]
    match trigger.kind:
        case "enter":
            return _done(state, f"enter:{trigger.enter}", since, trigger.enter in state.visited)
        case "have_item":
            return player.sheet.count(trigger.target) > 0
        case "talk_to":
            key = f"{trigger.talk_to}:{trigger.topic}" if trigger.topic else trigger.target
            return _done(state, key, since, key in state.topics_heard)
        case "defeat":
            npc = state.npcs.get(trigger.target)
            return bool(npc and npc.defeated)
        case "flag":
            return trigger.flag in state.flags
        case "use_item":
            key = f"use:{trigger.use_item}"
            return _done(state, key, since, key in state.topics_heard)
        case "say":
            key = f"say:{normalized(trigger.target)}"
            return _done(state, key, since, key in state.topics_heard)
    return False


def _done(state: GameState, key: str, since: int | None, ever: bool) -> bool:
    if since is None:
        return ever
    at = state.last_done.get(key)
    if at is None:  # a story from before ticks were kept: what it did counts from the start
        return ever and since == 0
    return at > since


def apply_effects(
    draft: Draft, effects: list[Effect], *, source: str = "", place: str = ""
) -> None:
    """Carry out authored effects on the acting player. ``place`` names where they are
    written (``npc:topic``, ``use:item``...): a reputation effect moves a player's
    standing once from each place, however often it is asked or used."""
    for n, effect in enumerate(effects):
        apply_effect(draft, effect, source=source, place=f"{place or source}#{n}")


def apply_effect(draft: Draft, effect: Effect, *, source: str = "", place: str = "") -> None:
    rules, sheet = draft.rules, draft.sheet
    amount = effect.amount
    if isinstance(amount, str):
        result = draft.dice.roll(amount)
        draft.roll_line(f"{source or effect.type}: {result.breakdown}")
        value = result.total
    else:
        value = int(amount or 0)
    match effect.type:
        case "heal":
            new = rules.heal(sheet, value)
            draft.say(f"You recover {new.hp - sheet.hp} HP ({new.hp}/{new.max_hp}).", "notice")
            draft.set_sheet(draft.actor, new)
        case "damage":
            new, notes = rules.apply_damage(sheet, value, effect.damage_type)
            draft.set_sheet(draft.actor, new)
            draft.say(f"You take {sheet.hp - new.hp} damage. " + " ".join(notes), "notice")
        case "set_flag" | "clear_flag":
            draft.do(SetFlag(flag=effect.flag or "", value=effect.type == "set_flag"))
        case "add_condition":
            draft.set_sheet(draft.actor, rules.add_condition(sheet, effect.condition or ""))
            draft.say(f"You are {effect.condition}.", "notice")
        case "remove_condition":
            draft.set_sheet(draft.actor, rules.remove_condition(sheet, effect.condition or ""))
        case "give_item":
            give_item(draft, effect.item or "")
        case "take_item":
            item = effect.item or ""
            if sheet.count(item) > 0:
                draft.set_sheet(draft.actor, rules.take_item(sheet, item, draft.world))
                draft.say(f"You hand over the {draft.world.items[item].name}.", "notice")
        case "gold":
            currency = draft.world.world.currency
            draft.set_sheet(draft.actor, rules.adjust_gold(sheet, value, currency=currency))
            draft.say(f"{'+' if value >= 0 else ''}{value} {currency}.", "notice")
        case "xp":
            award_xp(draft, value)
        case "message":
            draft.say(effect.text or "")
        case "relationship":
            who = effect.who or _speaker(draft, source)
            if who is not None:
                bond(draft, who, value, effect.text or f"what happened with {source}", effect.kind)
        case "reputation":
            standing.reputation(draft, effect.faction or "", value, once=place or source)
        case "exhaustion":
            standing.exhaustion(draft, value)
        case "scar":
            standing.scar(draft, effect.text or "")
        case "title" | "lose_title":
            standing.title(draft, effect.text or "", keep=effect.type == "title")


def _speaker(draft: Draft, source: str) -> str | None:
    """The character an effect came from, by name (a topic's speaker)."""
    return next((cid for cid, c in draft.world.characters.items() if c.name == source), None)


def bond(
    draft: Draft,
    who: str,
    delta: int,
    why: str,
    kind: str | None = None,
    *,
    witnessed: bool = False,
) -> None:
    """Move ``who``'s relationship with the acting player, remembering why."""
    if who not in draft.state.npcs or draft.actor not in draft.state.players:
        return
    draft.do(
        ChangeRelationship(
            who=who,
            player=draft.actor,
            delta=delta,
            why=why[:200],
            turn=draft.state.turn,
            kind=kind if kind in KINDS else None,  # type: ignore[arg-type]
            witnessed=witnessed,
        )
    )


def witnesses(draft: Draft, why: str, delta: int, *, besides: str = "") -> None:
    """Everyone standing here (and not fighting the player) remembers seeing this."""
    for cid in draft.state.characters_at(draft.here):
        npc = draft.state.npcs[cid]
        if cid == besides or npc.defeated or npc.attitude == "hostile":
            continue
        if draft.world.characters[cid].kind != "npc":
            continue
        bond(draft, cid, delta, why, witnessed=True)


def give_item(draft: Draft, item_id: str) -> None:
    """Put an item in the player's pack, or at their feet if they cannot carry it."""
    item = draft.world.items[item_id]
    try:
        draft.set_sheet(draft.actor, draft.rules.give_item(draft.sheet, item_id, draft.world))
        draft.say(f"You receive: {item.name}.", "notice")
    except RuleError as exc:
        draft.do(MoveItems(location=draft.here, item=item_id, delta=1))
        draft.say(f"{exc.message} The {item.name} is left on the ground.", "notice")


LEVEL_UP_CHOICE = (
    "Choose an ability score improvement: `improve STR` (+2) or `improve DEX CON` "
    "(+1 each); `improve` lists what you can raise."
)


def award_xp(draft: Draft, xp: int) -> None:
    if xp <= 0:
        return
    draft_improvements = draft.sheet.improvements
    new, levelled = draft.rules.award_xp(draft.sheet, xp)
    new, gained = features.gain(new, draft.world) if levelled else (new, ())
    draft.set_sheet(draft.actor, new)
    draft.say(f"+{xp} XP.", "notice")
    if levelled:
        draft.say(f"You reach level {new.level}! (HP {new.hp}/{new.max_hp})", "notice")
        for feature in gained:
            draft.say(features.told(feature, draft.world), "notice")
    if new.improvements > draft_improvements:
        draft.say(LEVEL_UP_CHOICE, "notice")


def advance_quests(draft: Draft) -> None:
    """Start, advance and complete quests until nothing changes; may end the story."""
    world, state = draft.world, draft.state
    for _ in range(50):  # stages can chain; bounded in case of a cycle
        progressed = False
        for qid, quest in world.quests.items():
            qs = state.quests.get(qid, QuestState())
            if qs.status == "inactive":
                if not holds(quest.requires, state, draft.actor, world):
                    continue  # it opens only for a player for whom this holds
                if quest.starts == "at_start" or fired(quest.starts, state, draft.actor):
                    _set_quest(draft, qid, QuestState(status="active", since=state.tick))
                    draft.say(f"New quest: {quest.title}", "heading")
                    draft.say(quest.stages[0].description, "notice")
                    progressed = True
                continue
            if qs.status == "done":
                continue
            progressed |= _advance_one(draft, qid, quest, qs)
        if not progressed or state.ending:
            return


def _set_quest(draft: Draft, qid: str, qs: QuestState) -> None:
    draft.do(SetQuest(quest=qid, state=qs))


def _advance_one(draft: Draft, qid: str, quest: Quest, qs: QuestState) -> bool:
    stage = quest.stages[qs.stage]
    done = set(qs.done_objectives)
    newly = [
        i
        for i, obj in enumerate(stage.objectives)
        if i not in done
        and fired(obj.trigger, draft.state, draft.actor, None if obj.counts_before else qs.since)
    ]
    for i in newly:
        draft.say(f"✓ {stage.objectives[i].description}", "notice")
    done |= set(newly)
    required = {i for i, obj in enumerate(stage.objectives) if not obj.optional}
    if not required <= done:
        if newly:
            _set_quest(
                draft,
                qid,
                QuestState(
                    status="active", stage=qs.stage, done_objectives=sorted(done), since=qs.since
                ),
            )
        return bool(newly)
    if qs.stage + 1 < len(quest.stages):
        nxt = quest.stages[qs.stage + 1]
        _set_quest(
            draft, qid, QuestState(status="active", stage=qs.stage + 1, since=draft.state.tick)
        )
        draft.say(f"{quest.title}: {nxt.description}", "heading")
        apply_effects(draft, nxt.effects, source=quest.title, place=f"quest:{qid}:{nxt.id}")
        return True
    _set_quest(draft, qid, QuestState(status="done", stage=len(quest.stages)))
    draft.say(f"Quest complete: {quest.title}", "heading")
    rewards = quest.rewards
    if rewards.gold:
        draft.set_sheet(draft.actor, draft.rules.adjust_gold(draft.sheet, rewards.gold))
        draft.say(f"+{rewards.gold} {draft.world.world.currency}.", "notice")
    award_xp(draft, rewards.xp)
    for item_id in rewards.items:
        give_item(draft, item_id)
    for flag in rewards.flags:
        draft.do(SetFlag(flag=flag, value=True))
    if quest.endings:
        for ending in quest.endings:
            if holds(ending.requires, draft.state, draft.actor, draft.world):
                draft.do(ReachEnding(ending=ending.id))
                draft.say(ending.title, "heading")
                draft.say(ending.text, "ending")
                break
    return True


def start_quests(draft: Draft) -> None:
    for qid, quest in draft.world.quests.items():
        if quest.starts == "at_start" and quest.requires is None:
            _set_quest(draft, qid, QuestState(status="active", since=draft.state.tick))
