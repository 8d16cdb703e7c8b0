"""One turn: input -> intent -> rules -> changes -> what to tell.

``play_turn`` is pure given its inputs (state, world, rules, seeded dice): it
works on a fork of the state and returns the ops to append, never touching the
caller's state. The offline narrator then tells the outcome's lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from storyai.core.domain.dice import Dice
from storyai.core.domain.events import Rejection, Roll
from storyai.core.domain.ops import AdvanceTurn, BaseOp, OfferChoices, SeatPlayer
from storyai.core.domain.sheet import Sheet, sheet_from_stat_block
from storyai.core.domain.state import GameState, NpcState, PlayerState
from storyai.core.domain.world import World
from storyai.core.engine import actions, choices, combat, downed, endings, powers
from storyai.core.engine.draft import Draft, Line
from storyai.core.engine.intent import Intent, parse, split_actions
from storyai.core.engine.story import advance_quests, start_quests
from storyai.core.rules.base import RuleSystem


@dataclass
class Outcome:
    """What a turn did: the ops to store, what to tell, and what was refused."""

    intent: Intent
    ops: list[BaseOp]
    lines: list[Line]
    rolls: list[Roll] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    understood: bool = True


def initial_state(world: World) -> GameState:
    """The world as authored, before any player arrives."""
    state = GameState(world_id=world.id, world_version=world.version, system=world.rules.system)
    placed = {c: lid for lid, loc in world.locations.items() for c in loc.characters}
    for cid, ch in world.characters.items():
        sheet = sheet_from_stat_block(cid, ch, world.rules.system) if ch.stats else None
        state.npcs[cid] = NpcState(location=placed.get(cid), attitude=ch.attitude, sheet=sheet)
    for lid, loc in world.locations.items():
        for item_id in loc.items:
            here = state.location_items.setdefault(lid, {})
            here[item_id] = here.get(item_id, 0) + 1
    state.flags = list(world.start.flags)
    return state


def join(
    state: GameState,
    world: World,
    rules: RuleSystem,
    dice: Dice,
    player_id: str,
    sheet: Sheet,
    *,
    opening: bool,
) -> Outcome:
    """A player arrives at the start; the first one also hears the opening."""
    draft = Draft(state.fork(), world, rules, dice, player_id)
    draft.do(
        SeatPlayer(
            id=player_id,
            state=PlayerState(
                id=player_id, name=sheet.name, location=world.start.location, sheet=sheet
            ),
        )
    )
    if opening:
        start_quests(draft)
        draft.say(world.world.title, "heading")
        draft.say(world.start.text)
    actions.enter(draft, world.start.location)
    advance_quests(draft)
    draft.do(OfferChoices(choices=choices.offer(draft)))
    return Outcome(Intent("join"), draft.ops, draft.lines, draft.rolls, draft.rejected)


def play_turn(
    state: GameState, world: World, rules: RuleSystem, dice: Dice, actor: str, text: str
) -> Outcome:
    """Resolve one player input against ``state`` (which is left untouched)."""
    parts = split_actions(text)
    if len(parts) > 1:
        return _in_order(state, world, rules, dice, actor, text, parts)
    draft = Draft(state.fork(), world, rules, dice, actor)
    intent = parse(text)
    if intent.verb == "choose":
        options = state.choices
        if intent.choice and 1 <= intent.choice <= len(options):
            intent = parse(options[intent.choice - 1].command)
        else:
            draft.say(
                f"There is no choice {intent.choice}; pick 1 to {len(options)}."
                if options
                else "There are no choices right now.",
                "notice",
            )
            intent = Intent("look", raw=text)
    if intent.verb == "confirm":
        command = endings.confirmed_command(state.choices)
        if command is None:
            draft.understood = False
            draft.say("There is nothing to confirm right now.", "notice")
            return Outcome(intent, [], draft.lines, understood=False)
        intent = replace(parse(command), raw=text)
    if (stopped := _no_play(state, draft, intent)) is not None:
        return stopped
    _world_moves(draft, _act(draft, intent))
    draft.do(AdvanceTurn(turn=state.turn + 1))
    offered = draft.confirming if draft.confirming is not None else choices.offer(draft)
    draft.do(OfferChoices(choices=offered))
    return Outcome(intent, draft.ops, draft.lines, draft.rolls, draft.rejected, draft.understood)


def _world_moves(draft: Draft, time_passes: bool) -> None:
    """What follows an action in the world: powers recharge and foes act (when it took
    time; looking at your sheet or asking for help takes none), quests move on, ways
    found show, and a fall is checked."""
    if time_passes:
        powers.time_passes(draft)
        combat.enemies_act(draft)
    advance_quests(draft)
    actions.reveal_found_ways(draft)
    if time_passes:
        combat.check_death(draft)


def _no_play(state: GameState, draft: Draft, intent: Intent) -> Outcome | None:
    """The outcome when nothing can be played: the story has ended, or the player is dead."""
    if state.ending:
        draft.say(
            "This story has ended. Rewind to an earlier turn to play on, or start a new story.",
            "notice",
        )
        return Outcome(intent, [], draft.lines, understood=True)
    if draft.sheet.is_dead:
        combat.check_death(draft)
        return Outcome(intent, draft.ops, draft.lines, draft.rolls, draft.rejected)
    return None


_CHANGING = frozenset({"go", "take", "drop", "use", "equip", "give"})
"""Verbs that did nothing when they changed nothing (a way blocked, a door locked)."""


def _act(draft: Draft, intent: Intent) -> bool:
    """Do one action; whether it took time (then cooldowns run and foes act)."""
    if draft.rules.downed(draft.sheet) and (
        intent.verb not in actions.INFO_VERBS or intent.verb in downed.RECOVERING
    ):
        return downed.take_turn(draft, intent)
    handler = actions.HANDLERS.get(intent.verb, actions.not_understood)
    handler(draft, intent)
    return (
        intent.verb not in actions.INFO_VERBS
        and draft.understood
        and not draft.free
        and draft.confirming is None
    )


def _in_order(
    state: GameState,
    world: World,
    rules: RuleSystem,
    dice: Dice,
    actor: str,
    text: str,
    parts: list[str],
) -> Outcome:
    """Several actions in one line ("open the door and step inside"), done in order as
    one turn: one stored input and one rewind point, but each action takes its own
    time (cooldowns run, foes act, quests move after each). It stops at the first
    action that fails or changes nothing (a way blocked), starts a fight, asks to confirm an ending,
    ends the story or leaves the player unable to act; the rest is said undone. When
    the first action is not understood, nothing is (no turn is spent)."""
    draft = Draft(state.fork(), world, rules, dice, actor)
    first = parse(parts[0])
    whole = replace(first, raw=text)
    if (stopped := _no_play(state, draft, whole)) is not None:
        return stopped
    for i, part in enumerate(parts):
        intent = parse(part)
        fighting = draft.state.combat is not None
        before, opened = len(draft.ops), draft.way_opened
        time_passes = _act(draft, intent)
        opened_now = draft.way_opened != opened
        did = len(draft.ops) > before or intent.verb not in _CHANGING or opened_now
        if not draft.understood and i == 0:
            return Outcome(whole, [], draft.lines, understood=False)
        failed = not draft.understood or (draft.free and not opened_now) or not did
        draft.understood, draft.free = True, False  # what came before this part was done
        _world_moves(draft, time_passes)
        rest = parts[i + 1 :]
        stop = (
            failed
            or draft.confirming is not None
            or draft.state.ending is not None
            or (draft.state.combat is not None and not fighting)
            or not draft.rules.can_act(draft.sheet)
        )
        if rest and stop:
            draft.say(f"You stop there and leave the rest undone: {'; '.join(rest)}.", "notice")
            break
    draft.do(AdvanceTurn(turn=state.turn + 1))
    offered = draft.confirming if draft.confirming is not None else choices.offer(draft)
    draft.do(OfferChoices(choices=offered))
    return Outcome(whole, draft.ops, draft.lines, draft.rolls, draft.rejected)
