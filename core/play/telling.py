"""Telling a turn: the rules' outcome becomes events, and a narrator tells it.

This runs between the two short transactions of a turn, holding no connection and
no lock: a model may take seconds. Everything it makes goes into a ``Growth`` that
the caller stores afterwards in one write.

An AI narrator's proposed changes are checked by the engine (rejected ones are
stored with their reason); a check it asks for is rolled here, with the engine's
dice, and told in a second pass. Every ``CHAPTER_TURNS`` turns an AI narrator's
memory closes a chapter with an append-only summary.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Any

from storyai.core.domain.dice import Dice, SeededDice
from storyai.core.domain.errors import StoryError
from storyai.core.domain.events import (
    ChapterClosed,
    DiceRolled,
    EndingReached,
    Line,
    Narration,
    Rejection,
    Roll,
    StateChanged,
    UsageRecord,
)
from storyai.core.domain.ops import OfferChoices, ReachEnding
from storyai.core.domain.state import Chapter, Choice
from storyai.core.domain.world import World
from storyai.core.engine.endings import confirmed_command
from storyai.core.engine.proposals import check_proposals
from storyai.core.engine.turn import Outcome
from storyai.core.llm.port import Usage
from storyai.core.narrators.port import (
    Memory,
    NarrationRequest,
    Narrator,
    NarratorReply,
    OnText,
    TurnText,
    narrate,
)
from storyai.core.play.growth import Growth
from storyai.core.rules import rule_system_for

CHAPTER_TURNS = 10
"""An AI narrator's memory closes a chapter this often."""


def turn_dice(seed: int, depth: int) -> Dice:
    """The dice for the turn whose action sits at ``depth``: same seed, same rolls, so a
    turn told again after a crash rolls what it rolled the first time."""
    digest = hashlib.sha256(f"{seed}:{depth}".encode()).digest()
    return SeededDice(int.from_bytes(digest[:8], "big"))


def background_dice(seed: int, depth: int) -> Dice:
    """The dice a character's background tables are rolled with when it arrives at
    ``depth``: seeded apart from the turn's dice, so a world adding a table changes
    no score or fight a seed rolled before."""
    digest = hashlib.sha256(f"{seed}:{depth}:background".encode()).digest()
    return SeededDice(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class Telling:
    """What a telling needs besides the growth: the turn, and who tells it."""

    world: World
    outcome: Outcome
    actor: str
    turn: int
    action: str
    seed: int
    narrator: Narrator
    memory: Memory | None = None
    also: tuple[str, ...] = ()  # other players acting in this turn (a free-mode round)


async def tell(growth: Growth, telling: Telling, on_text: OnText | None) -> list[Line]:
    """Add the outcome's events to ``growth`` and have the narrator tell it; returns
    what was told."""
    t = telling
    outcome = t.outcome
    if outcome.rolls:
        growth.add(DiceRolled(rolls=tuple(outcome.rolls)), t.actor, t.turn)
    if outcome.ops or outcome.rejected:
        changes = StateChanged.model_validate(
            {"ops": list(outcome.ops), "rejected": list(outcome.rejected)}
        )
        growth.add(changes, t.actor, t.turn)
    request = NarrationRequest(
        world=t.world,
        state=growth.state,
        actor=t.actor,
        action=t.action,
        facts=outcome.lines,
        choices=list(growth.state.choices),
        turn=t.turn,
        seed=t.seed,
        memory=t.memory,
    )
    narrator = t.narrator
    reply = await narrate(narrator, request, on_text)
    lines = list(reply.lines)
    usage = Usage.from_dict(reply.usage) if reply.usage else Usage()
    rejected: list[Rejection] = []
    if reply.check and narrator.proposes:
        rolled = _roll_check(growth, t, reply.check, rejected)
        if rolled is not None:
            if on_text is not None:
                pending = on_text("\n" + rolled.text + "\n")
                if pending is not None:
                    await pending
            again = replace(
                request, state=growth.state, facts=[*outcome.lines, rolled], followup=rolled.text
            )
            second = await narrate(narrator, again, on_text)
            lines = [line for line in lines if line.kind != "ending"] + [rolled]
            lines += [line for line in second.lines if line not in request.facts]
            usage.add(Usage.from_dict(second.usage) if second.usage else Usage())
            reply = replace(second, lines=lines, error=reply.error or second.error)
    if narrator.proposes:
        _add_proposals(growth, t, reply, rejected)
    growth.add(
        Narration(
            lines=tuple(lines),
            choices=tuple(growth.state.choices),
            understood=outcome.understood,
            narrator=reply.narrator or narrator.name,
            witnesses=tuple(
                sorted({w for who in (t.actor, *t.also) for w in _witnesses(growth, who)})
            ),
            usage=_usage(usage, t.actor),
            context=reply.context or None,
            error=reply.error or None,
            image_prompt=(reply.media_hints.get("image_prompt") or "").strip()[:2000] or None,
        ),
        "gm",
        t.turn,
    )
    if growth.state.ending and any(isinstance(op, ReachEnding) for op in outcome.ops):
        growth.add(EndingReached(ending=growth.state.ending), "gm", t.turn)
    if t.memory is not None:
        await _maybe_close_chapter(growth, t, lines)
    return lines


def _usage(usage: Usage, player: str) -> UsageRecord | None:
    if not usage.calls:
        return None
    return UsageRecord(**usage.as_dict(), player=player)


def _roll_check(
    growth: Growth, t: Telling, check: dict[str, Any], rejected: list[Rejection]
) -> Line | None:
    """Roll a check the narrator asked for, with the engine's dice; None if refused."""
    player = growth.state.players.get(t.actor)
    refused = None
    if player is None or growth.state.ending:
        refused = "Only a player in a running story can be asked to roll."
    else:
        rules = rule_system_for(t.world)
        dice = turn_dice(t.seed, -(growth.head.depth if growth.head else 0) - 1)
        try:
            result = rules.check(player.sheet, check["skill"], check["difficulty"], dice)
        except StoryError as exc:
            refused = exc.message
    if refused is not None:
        rejected.append(Rejection(change={"field": "check", "value": check}, reason=refused))
        return None
    roll = Roll.model_validate(
        {"text": result.text, "check": check, "success": result.success, "degree": result.degree}
    )
    growth.add(DiceRolled(rolls=(roll,)), t.actor, t.turn)
    return Line("dice", result.text)


def _add_proposals(
    growth: Growth, t: Telling, reply: NarratorReply, rejected: list[Rejection]
) -> None:
    depth = growth.head.depth if growth.head else 0
    checked = check_proposals(
        growth.state,
        t.world,
        rule_system_for(t.world),
        t.actor,
        reply.state_changes,
        dice=turn_dice(t.seed, -depth - 2),  # arriving somewhere plays out as the engine's walk
        action=t.action,  # gold is spent only on a payment the player asked for
    )
    ops = list(checked.ops)
    refused = rejected + list(checked.rejected)
    player = growth.state.players.get(t.actor)
    downed = player is not None and rule_system_for(t.world).downed(player.sheet) is not None
    choices = [
        Choice(text=c["text"][:120], command=c["text"][:120])
        for c in reply.choices[:6]
        if isinstance(c, dict) and isinstance(c.get("text"), str) and c["text"]
    ]
    waiting = confirmed_command(growth.state.choices) is not None  # an ending asks first
    if choices and not growth.state.ending and not downed and not waiting:  # 0 HP: the roll
        ops.append(OfferChoices(choices=choices))
    if ops or refused:
        changes = StateChanged.model_validate(
            {"ops": ops, "rejected": refused, "source": "narrator"}
        )
        growth.add(changes, t.actor, t.turn)


def _witnesses(growth: Growth, actor: str) -> list[str]:
    player = growth.state.players.get(actor)
    if player is None:
        return [actor]
    players = growth.state.players
    here = [pid for pid, p in players.items() if p.location == player.location]
    return here if actor in here else [actor, *here]


async def _maybe_close_chapter(growth: Growth, t: Telling, lines: list[Line]) -> None:
    """Close a chapter every ``CHAPTER_TURNS`` turns, with an append-only summary."""
    state = growth.state
    last = state.chapters[-1].last_turn if state.chapters else 0
    if t.turn - last < CHAPTER_TURNS or growth.head is None or t.memory is None:
        return
    name = state.players[t.actor].name if t.actor in state.players else t.actor
    told = "\n".join(line.text for line in lines if line.kind in ("narration", "dialogue"))
    turns = [x for x in t.memory.recent if last < x.turn < t.turn]
    turns.append(TurnText(t.turn, name, t.action, told))
    summary, usage = await t.narrator.summarize(t.world, turns[-2 * CHAPTER_TURNS :])
    chapter = Chapter(
        number=(state.chapters[-1].number + 1) if state.chapters else 1,
        first_turn=last + 1,
        last_turn=t.turn,
        end_depth=growth.head.depth,
        summary=summary,
    )
    record = UsageRecord(**usage, player=t.actor) if usage else None
    growth.add(ChapterClosed(chapter=chapter, usage=record), "gm", t.turn)
