"""Who acts when in a fight: initiative is rolled once, kept in the state, and
followed every round.

When a fight starts everyone in it rolls (the rule system says how); the order
is stored in ``Combat`` through ``SetCombat``, so it survives saving and rewinding.
Ties go to the higher Dexterity, then to the player. The slots before the
player's are the foes who act before the player's first action; after each
player action the others act in the slots up to the player's next go. This
module only keeps the order; ``combat`` has the fighters act.
"""

from __future__ import annotations

from storyai.core.domain.ops import SetCombat
from storyai.core.domain.sheet import Sheet
from storyai.core.domain.state import Combat
from storyai.core.engine.draft import Draft
from storyai.core.rules import roll_initiative


def open_fight(draft: Draft, foes: list[str]) -> list[str]:
    """Roll initiative for the player, any other players here, and ``foes``; store the
    order and tell it. Returns the ids who act before the player, in order."""
    sheets = [draft.sheet] + [
        p.sheet
        for pid, p in draft.state.players.items()
        if pid != draft.actor and p.location == draft.here and not p.sheet.is_down
    ]
    sheets += [s for c in foes if (s := draft.state.npcs[c].sheet) is not None]
    rolled = roll_initiative(sheets, draft.dice, draft.rules)
    order = [e.sheet_id for e in rolled]
    mine = order.index(draft.actor)
    draft.do(
        SetCombat(
            combat=Combat(
                location=draft.here,
                order=order,
                index=mine,
                scores={e.sheet_id: e.score for e in rolled},
            )
        )
    )
    draft.roll_line("Initiative: " + ", ".join(f"{e.name} {e.score}" for e in rolled))
    ahead = [draft.world.characters[c].name for c in order[:mine] if c in draft.world.characters]
    if ahead:
        verb = "is" if len(ahead) == 1 else "are"
        draft.say(f"{joined(ahead)} {verb} quicker than you.", "notice")
    else:
        draft.say("You act first.", "notice")
    return order[:mine]


def enlist(draft: Draft, cid: str) -> None:
    """Someone joins a fight already under way: they roll and take their place."""
    combat = draft.state.combat
    sheet = draft.state.sheet_of(cid)
    if combat is None or sheet is None or cid in combat.order:
        return
    score = roll_initiative([sheet], draft.dice, draft.rules)[0].score
    place = next(
        (
            i
            for i, other in enumerate(combat.order)
            if _ahead(score, sheet, combat.scores.get(other, 0), draft.state.sheet_of(other))
        ),
        len(combat.order),
    )
    order = [*combat.order[:place], cid, *combat.order[place:]]
    index = combat.index + (1 if place <= combat.index else 0)
    scores = {**combat.scores, cid: score}
    update = {"order": order, "index": index, "scores": scores}
    draft.do(SetCombat(combat=combat.model_copy(update=update)))
    draft.roll_line(f"Initiative: {sheet.name} {score}")


def rest_of_round(draft: Draft) -> list[str]:
    """The slots after the player's action up to the player's next go (into the next
    round if need be), and move the fight on to that go. The player's own slot and
    other players' slots are not returned: players act on their own input."""
    combat = draft.state.combat
    if combat is None:
        return []
    order = combat.order
    if draft.actor not in order:  # a player who came late: everyone else acts once
        return [c for c in order if c not in draft.state.players]
    start = combat.index if order[combat.index : combat.index + 1] == [draft.actor] else None
    start = order.index(draft.actor) if start is None else start
    after = order[start + 1 :]
    wrapped = order[:start]
    draft.do(
        SetCombat(combat=combat.model_copy(update={"index": start, "round": combat.round + 1}))
    )
    return [c for c in after + wrapped if c not in draft.state.players]


def _ahead(score: int, sheet: Sheet, other_score: int, other: Sheet | None) -> bool:
    """Whether a newcomer goes before ``other``: higher score, then DEX, then players."""
    if other is None:
        return True
    mine = (score, sheet.score("dex"), sheet.is_player)
    theirs = (other_score, other.score("dex"), other.is_player)
    return mine > theirs


def joined(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
