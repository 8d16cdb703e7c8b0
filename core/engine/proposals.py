"""What an AI narrator proposes, checked against the rules and the world.

The model narrates; the engine keeps the truth. A narrator's reply carries
``state_changes`` (``storyai.core.narrators.schema``): proposals, never facts.
``check_proposals`` takes them one by one, checks each against the state as
changed by the proposals accepted before it, and turns the accepted ones into
the change ops the engine itself uses, ready for a ``state_changed`` event.
Whatever the map, the rules or the story do not allow is rejected with a
reason a player or an author understands. A model's reply is input: nothing
here raises on it, and the caller's state is never touched.

Rules, field by field:

* nothing is accepted after the story has ended or from someone who is not a player;
* ``location``: one step through an exit of where the actor is, whose condition
  holds; not during a fight, not while down. Arrival is the engine's (move,
  visit, the new neighbours discovered; with ``dice``, also on-enter effects and
  ambushes);
* ``discovered``: a neighbouring place seen through a visible exit; hidden ways
  are secrets;
* ``items``: +n takes n lying here (portable, and light enough to carry); -n drops
  n held; only by someone able to act;
* ``gold``: spending only, on a payment the player's action asks for (buy, pay,
  bribe, trade, give gold; ``storyai.core.engine.spending``), to someone here, at
  most the amount named or the price of the item named; gold is gained through
  the rules; null or 0 is no change;
* ``hp``: someone here, outside fights, by at most half their maximum, staying
  within 1..max (the narrator neither kills nor defeats);
* ``quests``: an active quest to exactly its next stage;
* ``lore``: public entries, or known-by entries when a knower is here; gm-only
  entries are secrets;
* ``attitudes``: someone here, one step along hostile, wary, neutral, friendly;
  not for someone in the fight under way.

Proposals that would change nothing (the same place, known lore, the current
stage, a repeated entry) are quietly ignored, not rejected; so are a small
model's ways of saying "nothing" (``storyai.core.engine.blank``: null, 0, "",
empty lists, a delta of 0, words copied from the schema such as "item" or "who").
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from storyai.core.domain.dice import Dice, RollResult
from storyai.core.domain.errors import DiceError, StoryError
from storyai.core.domain.events import Rejection
from storyai.core.domain.ops import (
    BaseOp,
    ChangeNpc,
    Discover,
    LearnLore,
    Move,
    MoveItems,
    SetQuest,
    SetSheet,
    Visit,
    apply_ops,
)
from storyai.core.domain.sheet import tag
from storyai.core.domain.state import GameState, QuestState
from storyai.core.domain.world import World
from storyai.core.engine import actions, describe
from storyai.core.engine.blank import is_blank
from storyai.core.engine.draft import Draft
from storyai.core.engine.spending import payment
from storyai.core.engine.story import holds
from storyai.core.rules.base import RuleSystem

FIELDS = ("location", "discovered", "items", "gold", "hp", "quests", "lore", "attitudes")
"""The keys of ``state_changes``, in the order they are checked."""
ATTITUDES = ("hostile", "wary", "neutral", "friendly")
"""Attitudes in order: a proposal may move a character one step along this line."""
MAX_ENTRIES = 32
"""The most entries of one kind a single reply may propose; the rest are rejected."""
MAX_ITEM_DELTA = 100
"""More items than this taken or dropped at once is not a believable proposal."""
GOLD_REASON = "Gold is only gained through the rules: loot, rewards, selling."
SPEND_REASON = (
    "Gold is spent only when the player pays for something (buy, pay, bribe, trade); "
    "this action pays nobody."
)
UNCHECKABLE = "That change could not be checked against this story"

_SHAPES = {
    "discovered": "a list of location ids",
    "items": "a list of objects with item and delta",
    "hp": "a list of objects with who, delta and reason",
    "quests": "a list of objects with quest and stage",
    "lore": "a list of lore ids",
    "attitudes": "a list of objects with who and attitude",
}
_ENTRY_SHAPES = {
    "items": '{"item": id, "delta": whole number}',
    "hp": '{"who": id, "delta": whole number, "reason": text}',
    "quests": '{"quest": id, "stage": stage id}',
    "attitudes": '{"who": id, "attitude": hostile, wary, neutral or friendly}',
}
_DONE_WORDS = frozenset({"done", "complete", "completed", "finished", "finish", "end", "ended"})
_GOLD_WORDS = frozenset({"gold", "coin", "coins", "gp", "gold_piece", "gold_pieces", "money"})
_BIG = 10**15


@dataclass
class Proposals:
    """The outcome of checking a narrator's ``state_changes``.

    ``ops`` are typed change ops, in order, that apply cleanly to the state that was
    checked. ``applied`` holds the accepted proposals as ``{"field": ..., "value":
    ...}``; ``rejected`` the refused ones, each with its reason.
    """

    ops: list[BaseOp] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    applied: list[dict[str, Any]] = field(default_factory=list)


def check_proposals(
    state: GameState,
    world: World,
    rules: RuleSystem,
    actor: str,
    changes: Any,
    *,
    dice: Dice | None = None,
    action: str = "",
) -> Proposals:
    """Check a narrator's proposed ``state_changes`` for ``actor``; ``state`` is left untouched.

    ``dice``, when given, lets an accepted move do everything the engine does on
    arrival (on-enter effects, a hostile ambush); without it a move is the move,
    the visit and the new neighbours discovered. ``action`` is what the player
    typed: gold is spent only on a payment it asks for.
    """
    return _Checker(state, world, rules, actor, dice, action).run(changes)


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _NoDice(Dice):
    """Dice for a draft that must not roll: proposals are checked, never rolled for."""

    def roll(self, expr: str) -> RollResult:
        raise DiceError("Checking a narrator's proposals rolls no dice.")


_Check = Callable[[Any], list[BaseOp]]


class _Checker:
    def __init__(
        self,
        state: GameState,
        world: World,
        rules: RuleSystem,
        actor: str,
        dice: Dice | None,
        action: str = "",
    ) -> None:
        self.world = world
        self.action = action
        self.rules = rules
        self.actor = actor
        self.dice = dice
        self.draft = Draft(state.fork(), world, rules, dice or _NoDice(), actor)
        self.out = Proposals()
        self.ids = {
            *world.locations,
            *world.items,
            *world.characters,
            *world.quests,
            *world.lore,
            *state.players,
        }

    def _blank(self, name: str, value: Any) -> bool:
        """Nothing proposed: not a change, and not a refusal either."""
        return is_blank(value, name, self.ids)

    @property
    def state(self) -> GameState:
        return self.draft.state

    # ------------------------------------------------------------- driving

    def run(self, changes: Any) -> Proposals:
        if self._blank("state_changes", changes):
            return self.out
        if not isinstance(changes, dict):
            self._reject(
                "state_changes",
                changes,
                "The proposed changes should be an object with the keys " + ", ".join(FIELDS) + ".",
            )
            return self.out
        stop = self._stop_reason()
        checks: dict[str, tuple[_Check, bool]] = {
            "location": (self._location, False),
            "discovered": (self._discovered, True),
            "items": (self._items, True),
            "gold": (self._gold, False),
            "hp": (self._hp, True),
            "quests": (self._quests, True),
            "lore": (self._lore, True),
            "attitudes": (self._attitudes, True),
        }
        for name in FIELDS:
            if name not in changes:
                continue
            check, is_list = checks[name]
            value = changes[name]
            if self._blank(name, value):
                continue
            if stop is not None:
                self._refuse_all(name, value, stop)
            elif is_list:
                self._each(name, value, check)
            else:
                self._one(name, value, check)
        for key, value in changes.items():
            if key not in checks and not self._blank(key, value):
                self._reject(
                    key,
                    value,
                    f"'{_short(key)}' is not something the narrator can change; "
                    "proposals may only name " + ", ".join(FIELDS) + ".",
                )
        return self.out

    def _stop_reason(self) -> str | None:
        if self.state.ending:
            return "The story has ended; nothing changes any more."
        if not isinstance(self.actor, str) or self.actor not in self.state.players:
            return f"'{_short(self.actor)}' is not a player in this story, so nothing changes."
        return None

    def _refuse_all(self, name: str, value: Any, reason: str) -> None:
        if isinstance(value, list):
            for entry in _unique(value):
                if not self._blank(name, entry):
                    self._reject(name, entry, reason)
        else:
            self._reject(name, value, reason)

    def _each(self, name: str, value: Any, check: _Check) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            self._reject(name, value, f"'{name}' should be {_SHAPES[name]}.")
            return
        entries = [entry for entry in _unique(value) if not self._blank(name, entry)]
        for entry in entries[:MAX_ENTRIES]:
            self._one(name, entry, check)
        if len(entries) > MAX_ENTRIES:
            self._reject(
                name,
                entries[MAX_ENTRIES:],
                f"Too many {name} changes at once; only the first {MAX_ENTRIES} were considered.",
            )

    def _one(self, name: str, value: Any, check: _Check) -> None:
        try:
            ops = check(value)
        except _Refused as refused:
            self._reject(name, value, refused.reason)
            return
        except StoryError as exc:  # the rules refused, e.g. too heavy to carry
            self._reject(name, value, exc.message)
            return
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            # A state that does not match its world (say, an older version's ids):
            # whatever cannot be checked is not accepted.
            self._reject(name, value, f"{UNCHECKABLE} ({type(exc).__name__}).")
            return
        if not ops:
            return  # nothing would change: not a rejection
        problem = self._commit(ops)
        if problem:
            self._reject(name, value, problem)
        else:
            self.out.applied.append({"field": name, "value": _plain(value)})

    def _commit(self, ops: list[BaseOp]) -> str | None:
        """Apply ``ops`` all together or not at all; a reason when they do not apply."""
        probe = self.state.fork()
        try:
            apply_ops(probe, ops)
        except StoryError as exc:
            return exc.message
        except (KeyError, ValueError, TypeError) as exc:
            return f"That change does not fit the story's state ({exc})."
        self.draft.state = probe
        self.out.ops.extend(ops)
        return None

    def _reject(self, name: Any, value: Any, reason: str) -> None:
        change = {"field": _plain(name), "value": _plain(value)}
        self.out.rejected.append(Rejection(change=change, reason=reason))

    # ------------------------------------------------------------- lookups

    @property
    def here(self) -> str:
        return self.draft.here

    def _place_name(self, location: str) -> str:
        return self.world.locations[location].name

    def _location_id(self, value: Any) -> str:
        text = _text(value, "a location id")
        found = _resolve(text, {lid: loc.name for lid, loc in self.world.locations.items()})
        if found is None:
            raise _Refused(f"There is no place called '{_short(text)}' in this world.")
        return found

    def _name_of(self, who: str) -> str:
        if who in self.state.players:
            return self.state.players[who].name
        return self.world.characters[who].name if who in self.world.characters else who

    def _someone_here(self, value: Any, *, players: bool) -> str:
        """A player (with ``players``) or an undefeated character at the actor's location."""
        text = _text(value, "someone's id")
        names: dict[str, str] = {}
        if players:
            names.update(
                {pid: p.name for pid, p in self.state.players.items() if p.location == self.here}
            )
        names.update(
            {c: self.world.characters[c].name for c in self.state.characters_at(self.here)}
        )
        everyone = {c: ch.name for c, ch in self.world.characters.items()}
        everyone.update({pid: p.name for pid, p in self.state.players.items()})
        who = _resolve(text, names)
        if who is None:
            known = _resolve(text, everyone)
            if known is None:
                raise _Refused(f"Nobody called '{_short(text)}' is in this story.")
            if known in self.state.players and not players:
                raise _Refused(
                    f"{self._name_of(known)} is a player; players choose for themselves."
                )
            raise _Refused(f"{self._name_of(known)} is not here.")
        npc = self.state.npcs.get(who)
        if who not in self.state.players and npc is not None and npc.defeated:
            raise _Refused(f"{self._name_of(who)} has been defeated.")
        return who

    # -------------------------------------------------------------- fields

    def _location(self, value: Any) -> list[BaseOp]:
        if value is None:
            return []
        target = self._location_id(value)
        if target == self.here:
            return []
        if self.state.combat is not None:
            raise _Refused(
                "Nobody walks out of a fight on the narrator's word; "
                "the rules settle combat (try to flee)."
            )
        sheet = self.draft.sheet
        if sheet.is_down:
            raise _Refused(f"{sheet.name} is down and can't go anywhere.")
        exits = [ex for ex in self.world.locations[self.here].exits.values() if ex.to == target]
        if any(holds(ex.requires, self.state, self.actor, self.world) for ex in exits):
            return self._arrive(target)
        shown = [ex for ex in exits if not ex.hidden]
        if shown:
            blocked = " ".join(shown[0].blocked_text.split())
            raise _Refused(
                f"The way to {self._place_name(target)} is blocked."
                + (f" {blocked}" if blocked else "")
            )
        raise _Refused(
            f"{self._place_name(target)} can't be reached from "
            f"{self._place_name(self.here)} in one step."
        )

    def _arrive(self, target: str) -> list[BaseOp]:
        """The engine's arrival: in full with dice, else move, visit and discover."""
        if self.dice is not None:
            scratch = Draft(self.state.fork(), self.world, self.rules, self.dice, self.actor)
            try:
                actions.enter(scratch, target)
            except (StoryError, KeyError, ValueError):
                pass  # an on-enter effect the rules refuse: arrive plainly instead
            else:
                return scratch.ops
        ops: list[BaseOp] = [Move(who=self.actor, to=target), Visit(location=target)]
        ops += [
            Discover(location=ex.to)
            for ex in self.world.locations[target].exits.values()
            if not ex.hidden
        ]
        return ops

    def _discovered(self, value: Any) -> list[BaseOp]:
        target = self._location_id(value)
        if target in self.state.discovered or target == self.here:
            return []
        if target in describe.open_exits(self.draft).values():
            return [Discover(location=target)]
        exits = self.world.locations[self.here].exits.values()
        if any(ex.to == target for ex in exits):
            raise _Refused(
                "That way has not been found yet; hidden ways are found through play, not told."
            )
        raise _Refused(
            f"{self._place_name(target)} is not next to {self._place_name(self.here)}; "
            "only neighbouring places come into view."
        )

    def _items(self, value: Any) -> list[BaseOp]:
        entry = _entry(value, "items", ("item", "delta"))
        text = _text(entry["item"], "an item id")
        delta = _whole(entry["delta"], "delta")
        item_id = _resolve(text, {i: it.name for i, it in self.world.items.items()})
        if item_id is None:
            if tag(text) in _GOLD_WORDS | {tag(self.world.world.currency)}:
                raise _Refused(GOLD_REASON)
            raise _Refused(f"There is no item called '{_short(text)}' in this world.")
        item = self.world.items[item_id]
        if delta == 0:
            raise _Refused(f"Taking or dropping 0 of the {item.name} changes nothing.")
        if abs(delta) > MAX_ITEM_DELTA:
            raise _Refused(
                f"{_num(abs(delta))} of the {item.name} at once is not a believable amount."
            )
        sheet = self.draft.sheet
        if not self.rules.can_act(sheet):
            raise _Refused(f"{sheet.name} can't handle anything right now.")
        if delta > 0:
            lying = self.state.location_items.get(self.here, {}).get(item_id, 0)
            if lying < delta:
                raise _Refused(
                    f"There is no {item.name} here to take."
                    if not lying
                    else f"There are only {lying} of the {item.name} here, not {delta}."
                )
            if not item.portable:
                raise _Refused(f"The {item.name} can't be carried.")
            new = self.rules.give_item(sheet, item_id, self.world, delta)
            return [
                MoveItems(location=self.here, item=item_id, delta=-delta),
                SetSheet(who=self.actor, sheet=new),
            ]
        held = sheet.count(item_id)
        if held < -delta:
            raise _Refused(
                f"{sheet.name} isn't carrying the {item.name}."
                if not held
                else f"{sheet.name} carries only {held} of the {item.name}, not {-delta}."
            )
        new = self.rules.take_item(sheet, item_id, self.world, -delta)
        return [
            SetSheet(who=self.actor, sheet=new),
            MoveItems(location=self.here, item=item_id, delta=-delta),
        ]

    def _gold(self, value: Any) -> list[BaseOp]:
        if value is None:
            return []
        delta = _whole(value, "gold")
        if delta == 0:
            return []
        if delta > 0:
            raise _Refused(GOLD_REASON)
        paying = payment(self.action, self.world)
        if paying is None:
            raise _Refused(SPEND_REASON)
        sheet = self.draft.sheet
        money = self.world.world.currency
        if -delta > sheet.gold:
            raise _Refused(
                f"{sheet.name} has only {sheet.gold} {money}; {_num(-delta)} can't be spent."
            )
        if paying.limit is not None and -delta > paying.limit:
            raise _Refused(
                f"What the player pays for comes to {paying.limit} {money}, not {_num(-delta)}."
            )
        payees = [c for c in self.state.characters_at(self.here) if not self.state.npcs[c].defeated]
        payees += [p for p, pl in self.state.players.items() if pl.location == self.here]
        if not [p for p in payees if p != self.actor]:
            raise _Refused("There is nobody here to pay.")
        return [
            SetSheet(who=self.actor, sheet=self.rules.adjust_gold(sheet, delta, currency=money))
        ]

    def _hp(self, value: Any) -> list[BaseOp]:
        entry = _entry(value, "hp", ("who", "delta"), optional=("reason",))
        if not isinstance(entry.get("reason", ""), str | None):
            raise _Refused(f"The reason should be text, not {_kind(entry['reason'])}.")
        delta = _whole(entry["delta"], "delta")
        if self.state.combat is not None:
            raise _Refused("Hit points change in a fight only through the rules' attacks.")
        who = self._someone_here(entry["who"], players=True)
        sheet = self.state.sheet_of(who)
        name = self._name_of(who)
        if sheet is None:
            raise _Refused(f"{name} has no hit points to change.")
        if delta == 0:
            return []
        if sheet.is_dead:
            raise _Refused(f"{name} is dead; no story turn changes that.")
        limit = max(1, sheet.max_hp // 2)
        if abs(delta) > limit:
            raise _Refused(
                f"{_num(abs(delta))} HP is too big a change for {name}; the narrator may "
                f"change at most {limit} (half of {sheet.max_hp})."
            )
        after = sheet.hp + delta
        if after > sheet.max_hp:
            raise _Refused(
                f"{name} has {sheet.hp}/{sheet.max_hp} HP; healing {delta} would go above "
                "the maximum."
            )
        if after < 0:
            raise _Refused(f"{name} has only {sheet.hp} HP; {-delta} damage would go below 0.")
        if after == 0:
            raise _Refused(
                f"The narrator can't kill or knock out {name}; "
                "only the rules drop a player to 0 HP."
                if who in self.state.players
                else f"Defeating {name} is for the rules: attack."
            )
        if delta > 0:
            new = self.rules.heal(sheet, delta)
        else:
            new, _notes = self.rules.apply_damage(sheet, -delta)
        return [SetSheet(who=who, sheet=new)]

    def _quests(self, value: Any) -> list[BaseOp]:
        entry = _entry(value, "quests", ("quest", "stage"))
        text = _text(entry["quest"], "a quest id")
        stage = _text(entry["stage"], "a stage id")
        qid = _resolve(text, {q: quest.title for q, quest in self.world.quests.items()})
        if qid is None:
            raise _Refused(f"There is no quest called '{_short(text)}' in this world.")
        quest = self.world.quests[qid]
        qs = self.state.quests.get(qid, QuestState())
        if qs.status == "done":
            raise _Refused(f"'{quest.title}' is already complete.")
        if qs.status != "active":
            raise _Refused(f"'{quest.title}' hasn't started; quests start through play.")
        ids = [s.id for s in quest.stages]
        if stage not in ids:
            if tag(stage) in _DONE_WORDS:
                raise _Refused(
                    f"'{quest.title}' is completed by what happens in play, not by the narrator."
                )
            raise _Refused(f"'{quest.title}' has no stage called '{_short(stage)}'.")
        index = ids.index(stage)
        if index == qs.stage:
            return []
        if index < qs.stage:
            raise _Refused(f"'{quest.title}' is already past '{stage}'; quests don't go back.")
        if index > qs.stage + 1:
            raise _Refused(
                f"'{quest.title}' can only move on to its next stage, '{ids[qs.stage + 1]}'; "
                f"'{stage}' skips ahead."
            )
        new = QuestState(status="active", stage=index, since=self.state.tick)
        return [SetQuest(quest=qid, state=new)]

    def _lore(self, value: Any) -> list[BaseOp]:
        text = _text(value, "a lore id")
        lid = _resolve(text, {lid: lore.title for lid, lore in self.world.lore.items()})
        if lid is None:
            raise _Refused(f"There is no lore entry called '{_short(text)}' in this world.")
        if lid in self.state.lore_known:
            return []
        lore = self.world.lore[lid]
        if lore.visibility == "gm-only":
            raise _Refused(
                f"'{lid}' is the game master's secret; it comes out through play, not told."
            )
        if lore.visibility == "known-by":
            present = set(self.state.characters_at(self.here))
            tellers = [c for c in lore.known_by if c in present and not self.state.npcs[c].defeated]
            if not tellers:
                names = ", ".join(self._name_of(c) for c in lore.known_by)
                raise _Refused(
                    f"Only {names} know about '{lore.title}', and none of them is here to tell it."
                )
        return [LearnLore(lore=lid)]

    def _attitudes(self, value: Any) -> list[BaseOp]:
        entry = _entry(value, "attitudes", ("who", "attitude"))
        attitude = _text(entry["attitude"], "an attitude")
        who = self._someone_here(entry["who"], players=False)
        name = self._name_of(who)
        if attitude not in ATTITUDES:
            raise _Refused(
                f"'{_short(attitude)}' is not an attitude; use hostile, wary, neutral or friendly."
            )
        now = self.state.npcs[who].attitude
        if now == attitude:
            return []
        combat = self.state.combat
        if combat is not None and who in combat.order:
            raise _Refused(f"{name} is in a fight; the rules decide how it ends.")
        step = ATTITUDES.index(now) if now in ATTITUDES else ATTITUDES.index("neutral")
        if abs(ATTITUDES.index(attitude) - step) != 1:
            neighbours = " or ".join(ATTITUDES[i] for i in (step - 1, step + 1) if 0 <= i < 4)
            raise _Refused(
                f"{name} is {now}; attitudes change one step at a time (to {neighbours})."
            )
        return [ChangeNpc(who=who, attitude=attitude)]


# ------------------------------------------------------------------ helpers


def _entry(
    value: Any, name: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A list entry of ``name``, as an object with exactly the expected keys."""
    if not isinstance(value, dict):
        raise _Refused(f"Each '{name}' entry should be an object like {_ENTRY_SHAPES[name]}.")
    for key in value:
        if key not in required and key not in optional:
            raise _Refused(
                f"A '{name}' entry has an unknown key '{_short(key)}'; "
                f"expected {', '.join((*required, *optional))}."
            )
    for key in required:
        if key not in value:
            raise _Refused(f"A '{name}' entry needs '{key}'.")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Refused(f"Expected {what} as text, not {_kind(value)}.")
    return value.strip()


def _whole(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Refused(f"'{what}' should be a whole number, not {_kind(value)}.")
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{_short(value)}'" if value.strip() else "empty text"
    if isinstance(value, int | float):
        return _num(value)
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _resolve(text: str, names: dict[str, str]) -> str | None:
    """An id, or the id whose name matches ``text`` (ignoring case and spacing)."""
    if text in names:
        return text
    wanted = tag(text)
    matches = [key for key, name in names.items() if tag(name) == wanted or key == wanted]
    return matches[0] if len(matches) == 1 else None


def _unique(values: list[Any]) -> list[Any]:
    """The entries of a list with exact repeats dropped: a repeated proposal counts once."""
    seen: set[str] = set()
    out = []
    for value in values:
        key = json.dumps(_plain(value), sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _plain(value: Any, depth: int = 0) -> Any:
    """A JSON-safe, bounded copy of a proposed value, for storing and showing."""
    if value is None or isinstance(value, bool | str):
        return _short(value, 500) if isinstance(value, str) else value
    if isinstance(value, int):
        return value if abs(value) < _BIG else _num(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if depth >= 8:
        return "…"
    if isinstance(value, dict):
        return {str(_plain(k, depth + 1)): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    return _short(repr(value), 200)


def _num(value: int | float) -> str:
    """A number for a message; enormous ones are not spelled out."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return str(value) if abs(value) < _BIG else "an enormous number"


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else repr(_plain(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"
