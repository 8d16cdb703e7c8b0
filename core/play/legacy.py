"""Legacy across stories: earning it when a story ends, and the profile it builds.

A story's legacy is earned once, by each seated player's profile, on the first of its
branches to reach an ending: the record's key is (profile, story), so ending again on
another branch after a rewind, or two processes telling the ending at once, stores
nothing more. A profile is exported as a JSON document and imported by adding the
records it lacks (never twice).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from storyai.core.domain.companion import SETTINGS_KIND, CompanionNote
from storyai.core.domain.errors import UsageError
from storyai.core.domain.identity import Identity
from storyai.core.domain.legacy import (
    PROFILE_FORMAT,
    SPEND,
    LegacyRecord,
    Profile,
    fold,
    notes_key,
    profile_key,
    spend_key,
)
from storyai.core.domain.ops import BaseOp, ChangeNpc
from storyai.core.domain.powers import PowerState
from storyai.core.domain.sheet import Sheet, tag
from storyai.core.domain.state import GameState
from storyai.core.domain.world import LegacyBuy, World
from storyai.core.play.pipeline import Deps
from storyai.core.play.results import TurnResult
from storyai.core.rules.legacy import DEATH, earned
from storyai.core.storage.ports import UnitOfWork


async def earn(deps: Deps, result: TurnResult) -> list[LegacyRecord]:
    """After a turn that ended the story: each seated player's profile earns what the
    ending gives, unless it already earned from this story. The records stored now."""
    state = result.state
    if not state.ending:
        return []
    stored = []
    async with deps.uow() as uow:
        session = await uow.sessions.get(result.session_id)
        world = await deps.worlds.get(uow, session.world_id, session.world_version)
        for seat in await uow.players.list(session.id):
            if seat.id not in state.players:
                continue
            key = profile_key(seat.user_ref)
            before = await uow.legacy.list(key)
            if any(r.story_id == session.id for r in before):
                continue
            first = not any(
                r.data.get("kind") != SPEND and r.data.get("ending") != DEATH for r in before
            )
            data = earned(world, state, seat.id, first=first)
            record = LegacyRecord(key, session.id, world.id, data, deps.clock.now())
            if await uow.legacy.earn(record):
                stored.append(record)
        await uow.commit()
    return stored


COMPANION_NOTES = 5000
"""How many of a player's companion notes a profile counts, exports and imports."""


async def profile(deps: Deps, key: str) -> Profile:
    """The profile's legacy, with its companion's bond (what it remembers of the player,
    in every story: the notes ``storyai.core.companion`` keeps by player key)."""
    async with deps.uow() as uow:
        folded = fold(key, await uow.legacy.list(key))
        notes = await uow.companions.notes(notes_key(key), limit=COMPANION_NOTES)
    memories = [n for n in notes if n.kind != SETTINGS_KIND]
    return replace(
        folded,
        companion_bond=len(memories),
        companion_stories=len({n.session_id for n in memories}),
    )


async def export_profile(deps: Deps, key: str) -> dict[str, Any]:
    """The profile as a document to keep or move to another machine."""
    async with deps.uow() as uow:
        records = await uow.legacy.list(key)
        notes = await uow.companions.notes(notes_key(key), limit=COMPANION_NOTES)
    return {
        "format": PROFILE_FORMAT,
        "profile": key,
        "companion_notes": [
            {
                "id": n.id,
                "companion": n.companion,
                "session_id": n.session_id,
                "segment": n.segment,
                "depth": n.depth,
                "turn": n.turn,
                "kind": n.kind,
                "text": n.text,
                "created_at": n.created_at.isoformat(),
            }
            for n in reversed(notes)  # oldest first
        ],
        "records": [
            {
                "story_id": r.story_id,
                "world_id": r.world_id,
                "earned_at": r.earned_at.isoformat(),
                "data": r.data,
            }
            for r in records
        ],
    }


async def import_profile(deps: Deps, key: str, document: Any) -> int:
    """Add the records of an exported profile that ``key`` lacks; how many were added.
    Its companion notes come too (those ``key`` lacks: the companion's bond and memory;
    the newest remark setting wins), each under an id made from the key and its own, so
    importing twice adds nothing.

    Raises:
        UsageError: not a profile document, or a record missing what it needs.
    """
    if not isinstance(document, dict) or document.get("format") != PROFILE_FORMAT:
        raise UsageError(
            "This is not a Story AI profile file.",
            hint="export one with `storyai profile export`",
        )
    records = []
    for i, raw in enumerate(document.get("records") or []):
        try:
            when = datetime.fromisoformat(str(raw["earned_at"]))
            if when.tzinfo is None:
                raise ValueError("a time without a time zone")
            records.append(
                LegacyRecord(
                    key, str(raw["story_id"]), str(raw["world_id"]), dict(raw["data"]), when
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"Record {i + 1} of the profile file can't be read ({exc}).") from None
    notes = _notes_of(key, document.get("companion_notes") or [])
    added = 0
    async with deps.uow() as uow:
        for record in records:
            if record.data.get("kind") == SPEND:
                added += await _import_spend(uow, record)
            else:
                added += await uow.legacy.earn(record)
        have = await uow.companions.notes(notes_key(key), limit=COMPANION_NOTES)
        ids = {n.id for n in have}
        same = {(n.session_id, n.kind, n.text, n.created_at) for n in have}
        for note in notes:
            if (
                note.id not in ids
                and (note.session_id, note.kind, note.text, note.created_at) not in same
            ):
                await uow.companions.add(note)
                ids.add(note.id)
        await uow.commit()
    return added


def _notes_of(key: str, raw_notes: Any) -> list[CompanionNote]:
    """The companion notes of an exported profile, for ``key``; a UsageError for one
    that can't be read."""
    if not isinstance(raw_notes, list):
        raise UsageError("The profile file's companion notes can't be read (not a list).")
    owner = notes_key(key)
    notes = []
    for i, raw in enumerate(raw_notes):
        try:
            when = datetime.fromisoformat(str(raw["created_at"]))
            if when.tzinfo is None:
                raise ValueError("a time without a time zone")
            made = hashlib.sha256(f"{owner}\n{raw['id']}".encode()).hexdigest()[:32]
            notes.append(
                CompanionNote(
                    id=made,
                    player_key=owner,
                    companion=str(raw["companion"])[:80],
                    session_id=str(raw["session_id"])[:64],
                    segment=int(raw["segment"]),
                    depth=int(raw["depth"]),
                    turn=int(raw["turn"]),
                    kind=str(raw["kind"])[:80],
                    text=str(raw["text"]),
                    created_at=when,
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(
                f"Companion note {i + 1} of the profile file can't be read ({exc})."
            ) from None
    return notes


async def _import_spend(uow: UnitOfWork, record: LegacyRecord) -> bool:
    """A spend is the same one when it paid for the same story: kept once, numbered as
    the profile's next (its number in the file may be taken by another spend here)."""
    have = await uow.legacy.list(record.profile_key)
    story = record.data.get("story_id")
    if any(r.data.get("kind") == SPEND and r.data.get("story_id") == story for r in have):
        return False
    key = spend_key(fold(record.profile_key, have))
    return await uow.legacy.earn(replace(record, story_id=key))


@dataclass(frozen=True)
class LegacyOffer:
    """What a new story in ``world`` accepts from a profile: nothing enters unless
    the player picks it."""

    titles: tuple[str, ...]
    heirlooms: tuple[str, ...]  # item ids of this world
    legend_points: int  # what the profile has left to spend
    buys: tuple[tuple[str, str, int], ...] = ()  # (id, name, cost): what the world sells
    followers: tuple[tuple[str, str], ...] = ()  # (character id, name): who may join


def offer(world: World, profile: Profile) -> LegacyOffer:
    policy = world.legacy
    owned = {h.item for h in profile.heirlooms}
    return LegacyOffer(
        titles=profile.titles if policy.titles else (),
        heirlooms=tuple(i for i in policy.heirlooms if i in owned and i in world.items),
        legend_points=profile.legend_points,
        buys=tuple((bid, b.name, b.cost) for bid, b in policy.buys.items()),
        followers=tuple(
            (cid, world.characters[cid].name)
            for cid in policy.followers
            if cid in world.characters and world.characters[cid].name in profile.followers
        ),
    )


def joining(world: World, offered: LegacyOffer, picked: list[str]) -> list[BaseOp]:
    """The changes that bring the picked followers (ids or names) to the start, each
    once, friendly: the world's own character, never a copy.

    Raises:
        UsageError: someone the profile did not earn or the world does not accept.
    """
    ops: list[BaseOp] = []
    joined: set[str] = set()
    for who in picked:
        cid = next((c for c, name in offered.followers if who in (c, name) or tag(who) == c), None)
        if cid is None:
            on_offer = ", ".join(name for _, name in offered.followers) or "none"
            raise UsageError(
                f"'{who}' is not a follower of yours this story accepts.",
                hint=f"followers on offer: {on_offer}",
            )
        if cid in joined:
            continue
        joined.add(cid)
        ops.append(ChangeNpc(who=cid, location=world.start.location, attitude="friendly"))
    return ops


def can_rejoin(world: World, state: GameState, op: BaseOp) -> None:
    """A follower joining a story under way: refused when this story already defeated
    them or they fled it (the world's own character, never brought back or copied).

    Raises:
        UsageError: the follower cannot join this story now.
    """
    npc = state.npcs.get(op.who) if isinstance(op, ChangeNpc) else None
    if isinstance(op, ChangeNpc) and npc is not None and (npc.defeated or npc.fled):
        who = world.characters[op.who].name if op.who in world.characters else op.who
        raise UsageError(f"{who} cannot join you: this story has already lost them.")


def cost(world: World, offered: LegacyOffer, buys: list[str]) -> int:
    """What ``buys`` cost in legend points, checked against the world and the balance.

    Raises:
        UsageError: something the world does not sell, bought twice, or too dear.
    """
    if len(set(buys)) != len(buys):
        raise UsageError("Each legacy purchase can be bought once per story.")
    total = 0
    for bid in buys:
        buy = world.legacy.buys.get(bid)
        if buy is None:
            sold = ", ".join(f"{i} ({c} LP)" for i, _, c in offered.buys) or "nothing"
            raise UsageError(
                f"'{bid}' is not something this world sells for legend points.",
                hint=f"on offer: {sold}",
            )
        total += buy.cost
    if total > offered.legend_points:
        raise UsageError(
            f"That costs {total} legend points; your legacy has {offered.legend_points}.",
        )
    return total


def spend_record(
    key: str, profile: Profile, world: World, story_id: str, buys: list[str], at: datetime
) -> LegacyRecord:
    """The record of a spend, keyed as the profile's next one (see ``spend_key``)."""
    data = {
        "kind": SPEND,
        "cost": sum(world.legacy.buys[b].cost for b in buys),
        "story_id": story_id,
        "bought": [{"id": b, "name": world.legacy.buys[b].name} for b in buys],
    }
    return LegacyRecord(key, spend_key(profile), world.id, data, at)


def bring(
    sheet: Sheet,
    world: World,
    offered: LegacyOffer,
    heirlooms: list[str],
    title: str | None,
    buys: list[str] | None = None,
) -> Sheet:
    """The new character with the legacy the player picked, checked against the offer.

    Raises:
        UsageError: an heirloom or title the profile lacks or the world does not accept,
            or purchases it cannot afford.
    """
    cost(world, offered, buys or [])
    for bid in buys or []:
        sheet = _bought(sheet, world.legacy.buys[bid])
    for item_id in heirlooms:
        if item_id not in offered.heirlooms:
            accepted = ", ".join(offered.heirlooms) or "none from your legacy"
            raise UsageError(
                f"'{item_id}' is not an heirloom this story accepts from your legacy.",
                hint=f"heirlooms on offer: {accepted}",
            )
        sheet = sheet.model_copy(
            update={"inventory": {**sheet.inventory, item_id: sheet.inventory.get(item_id, 0) + 1}}
        )
    if title:
        if title not in offered.titles:
            known = ", ".join(offered.titles) or "none this world accepts"
            raise UsageError(f"Your legacy holds no title '{title}'.", hint=f"titles: {known}")
        identity = sheet.identity or Identity()
        sheet = sheet.model_copy(update={"identity": identity.model_copy(update={"title": title})})
    return sheet


def _bought(sheet: Sheet, buy: LegacyBuy) -> Sheet:
    update: dict[str, Any] = {
        "gold": sheet.gold + buy.gold,
        "max_hp": sheet.max_hp + buy.max_hp,
        "hp": sheet.hp + buy.max_hp,
    }
    if buy.item:
        update["inventory"] = {**sheet.inventory, buy.item: sheet.inventory.get(buy.item, 0) + 1}
    if buy.power_points:
        state = sheet.powers or PowerState()
        update["powers"] = state.model_copy(
            update={
                "points": state.points + buy.power_points,
                "max_points": state.max_points + buy.power_points,
            }
        )
    return sheet.model_copy(update=update)


async def pay(
    uow: UnitOfWork, world: World, key: str, story_id: str, buys: list[str], now: datetime
) -> None:
    """Store the spend of ``buys`` as the profile's next spend record, in ``uow`` (the
    transaction that starts or joins the story). Two made at once both try to be that
    record; the second is refused (the unique key), so points are never spent twice."""
    profile = fold(key, await uow.legacy.list(key))
    cost(world, offer(world, profile), buys)  # checked against the balance now
    record = spend_record(key, profile, world, story_id, buys, now)
    if not await uow.legacy.earn(record):
        raise UsageError(
            "Your legend points were spent by another story just now; nothing was spent "
            "here. Try again.",
        )
