"""A player's legacy across stories: the profile that outlives any one story.

A ``LegacyRecord`` is what one profile earned from one finished story (its ending,
achievements, legend points, titles, heirlooms, followers), stored once per
(profile, story). A ``Profile`` is the fold of a profile's records. Profiles are keyed
by a player key: ``local`` for solo play on this machine, ``discord:<user id>`` for
the bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

LOCAL = "local"
PROFILE_FORMAT = 1
"""The version of an exported profile file."""


def profile_key(user_ref: str) -> str:
    """The profile a seat's user earns for: ``local`` stays ``local``; a bare platform
    id (the bot's Discord user ids) becomes ``discord:<id>``; a key with a scheme stays."""
    if user_ref == LOCAL or ":" in user_ref:
        return user_ref
    return f"discord:{user_ref}"


def notes_key(key: str) -> str:
    """The player key a profile's companion notes are kept by (a seat's user ref):
    ``discord:<id>`` -> ``<id>``; ``local`` and other keys stay (``profile_key``'s inverse)."""
    rest = key.removeprefix("discord:")
    return rest if rest != key and ":" not in rest else key


@dataclass(frozen=True)
class LegacyRecord:
    profile_key: str
    story_id: str
    world_id: str
    data: dict[str, Any]
    """``{world_title, ending, ending_title, character, legend_points,
    achievements: [{id, title, points}], titles: [..], heirlooms: [{item, name, world_id}],
    followers: [..]}``"""
    earned_at: datetime


@dataclass(frozen=True)
class EarnedAchievement:
    id: str
    title: str
    points: int
    world_id: str
    story_id: str


@dataclass(frozen=True)
class Heirloom:
    item: str
    name: str
    world_id: str
    story_id: str


@dataclass(frozen=True)
class FinishedStory:
    story_id: str
    world_id: str
    world_title: str
    ending: str
    ending_title: str
    character: str
    legend_points: int
    earned_at: datetime


@dataclass(frozen=True)
class Profile:
    """A player's legacy: every finished story and what it earned, totalled."""

    key: str
    stories: tuple[FinishedStory, ...] = ()
    achievements: tuple[EarnedAchievement, ...] = ()
    legend_points: int = 0
    titles: tuple[str, ...] = ()
    heirlooms: tuple[Heirloom, ...] = ()
    followers: tuple[str, ...] = ()
    companion_bond: int = 0
    """How many things the player's companion remembers of them (every story)."""
    companion_stories: int = 0
    """In how many stories those things happened."""
    extra: dict[str, Any] = field(default_factory=dict)
    spent: int = 0
    """Legend points spent at the start of stories (``legend_points`` is what is left)."""
    spends: int = 0
    """How many spends: the next one is stored as ``spend:<spends + 1>``, so two made at
    once cannot both be the next (the record key is unique)."""


SPEND = "spend"
"""A record of legend points spent (``{kind: spend, cost, story_id, world_id, bought}``),
not a finished story."""


def fold(key: str, records: list[LegacyRecord]) -> Profile:
    """The profile ``records`` make, oldest first."""
    records = sorted(records, key=lambda r: (r.earned_at, r.story_id))
    stories, achievements, titles, heirlooms, followers = [], [], [], [], []
    points = 0
    spent = spends = 0
    for r in records:
        d = r.data
        if d.get("kind") == SPEND:
            spent += int(d.get("cost", 0))
            spends += 1
            continue
        earned = int(d.get("legend_points", 0))
        points += earned
        stories.append(
            FinishedStory(
                r.story_id,
                r.world_id,
                str(d.get("world_title", r.world_id)),
                str(d.get("ending", "")),
                str(d.get("ending_title", "")),
                str(d.get("character", "")),
                earned,
                r.earned_at,
            )
        )
        for a in d.get("achievements", []):
            achievements.append(
                EarnedAchievement(
                    str(a["id"]), str(a["title"]), int(a.get("points", 0)), r.world_id, r.story_id
                )
            )
        titles += [str(t) for t in d.get("titles", []) if str(t) not in titles]
        heirlooms += [
            Heirloom(str(h["item"]), str(h["name"]), str(h.get("world_id", r.world_id)), r.story_id)
            for h in d.get("heirlooms", [])
        ]
        followers += [str(f) for f in d.get("followers", []) if str(f) not in followers]
    return Profile(
        key,
        tuple(stories),
        tuple(achievements),
        points - spent,
        tuple(titles),
        tuple(heirlooms),
        tuple(followers),
        spent=spent,
        spends=spends,
    )


def spend_key(profile: Profile) -> str:
    """The record key of ``profile``'s next spend."""
    return f"spend:{profile.spends + 1}"
