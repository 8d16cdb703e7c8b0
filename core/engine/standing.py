"""Authored effects on the stats the story changes: reputation with a faction (and the
titles that follow it), exhaustion, scars and titles. Only world effects call these."""

from __future__ import annotations

from storyai.core.domain.ops import HearTopic
from storyai.core.domain.standing import (
    MAX_SCARS,
    MAX_TITLES,
    clamp_reputation,
    rank_title,
)
from storyai.core.engine.draft import Draft


def reputation(draft: Draft, faction_id: str, delta: int, *, once: str) -> None:
    """Move the acting player's reputation with a faction, within -100..100, once for
    each ``once`` (where the effect is written: asking twice is not earning twice);
    say so, and name a faction title gained or lost on the way."""
    faction = draft.world.factions.get(faction_id)
    sheet = draft.sheet
    key = f"reputation:{draft.actor}:{faction_id}:{once}"
    if faction is None or delta == 0 or key in draft.state.topics_heard:
        return
    draft.do(HearTopic(key=key))
    before = sheet.reputation.get(faction_id, faction.starting)
    after = clamp_reputation(before + delta)
    if after == before:
        return
    draft.set_sheet(
        draft.actor,
        sheet.model_copy(update={"reputation": {**sheet.reputation, faction_id: after}}),
    )
    sign = "+" if after > before else "−"
    draft.say(f"Reputation with {faction.name}: {sign}{abs(after - before)} ({after}).", "notice")
    old, new = rank_title(before, faction.titles), rank_title(after, faction.titles)
    if new != old:
        if new:
            draft.say(f"{faction.name} now call you {new}.", "notice")
        else:
            draft.say(f"{faction.name} no longer call you {old}.", "notice")


def exhaustion(draft: Draft, delta: int) -> None:
    new, notes = draft.rules.change_exhaustion(draft.sheet, delta)
    if new is not draft.sheet:
        draft.set_sheet(draft.actor, new)
    for note in notes:
        draft.say(note, "notice")


def scar(draft: Draft, text: str) -> None:
    sheet = draft.sheet
    text = " ".join(text.split())[:120]
    if not text or text in sheet.scars or len(sheet.scars) >= MAX_SCARS:
        return
    draft.set_sheet(draft.actor, sheet.model_copy(update={"scars": (*sheet.scars, text)}))
    draft.say(f"A scar: {text}.", "notice")


def title(draft: Draft, text: str, *, keep: bool = True) -> None:
    sheet = draft.sheet
    text = " ".join(text.split())[:80]
    if not text:
        return
    if keep:
        if text in sheet.titles or len(sheet.titles) >= MAX_TITLES:
            return
        draft.set_sheet(draft.actor, sheet.model_copy(update={"titles": (*sheet.titles, text)}))
        draft.say(f"A new title: {text}.", "notice")
    elif text in sheet.titles:
        kept = tuple(t for t in sheet.titles if t != text)
        draft.set_sheet(draft.actor, sheet.model_copy(update={"titles": kept}))
        draft.say(f"You are no longer {text}.", "notice")
