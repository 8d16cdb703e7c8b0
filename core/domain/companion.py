"""The companion: who travels with a player's character, and what it keeps.

``CompanionSpec`` is what a world's ``companions:`` section (or the default) says about
one: a name, a personality, a voice and authored lines per situation. ``CompanionNote``
is one thing a companion remembers about its player, stored by player key (``"local"``,
``"discord:<id>"``) so it carries across stories; a note made in a story remembers
where on the story's tree it was made, so a rewind forgets it with the branch.
``McpToken`` is an outside client's key to a story (stored as a hash only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

LINE_KINDS = (
    "greeting",
    "lore",
    "memory",
    "quest",
    "people",
    "powers",
    "danger",
    "nothing",
    "low_hp",
    "lethal",
    "stalled",
    "new_place",
)
"""The situations a companion has lines for (``{...}`` fields are filled in)."""


class CompanionSpec(BaseModel):
    """A companion as a world defines it (``companions: {aria: {...}}``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=80)
    personality: str = Field("", max_length=500)
    voice: str = Field("", max_length=500, description="How they talk, for the narrator.")
    lines: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Authored lines per situation (greeting, lore, memory, quest, people, "
        "powers, danger, nothing, low_hp, lethal, stalled, new_place); '{what}' is the "
        "answer, '{name}' the player's character. Missing ones use the defaults.",
    )


DEFAULT_LINES: dict[str, list[str]] = {
    "greeting": ["{name}. I am here, as ever. Ask, and I will tell you what we know."],
    "lore": ["What we know of it: {what}"],
    "memory": ["I remember this: {what}"],
    "quest": ["Where we stand: {what}"],
    "people": ["The people we have met: {what}"],
    "powers": ["Your arsenal, such as it is: {what}"],
    "danger": ["Looking ahead: {what}"],
    "nothing": ["I know nothing of {what}. Neither, I suspect, do you. Yet."],
    "low_hp": ["You are bleeding, {name}: {what}. Perhaps rest before heroics."],
    "lethal": ["Careful. {what}. That could end us."],
    "stalled": ["We have been at '{what}' a while. A fresh angle, perhaps?"],
    "new_place": ["{what}. New ground. Keep your eyes open."],
}

DEFAULT_COMPANION = CompanionSpec(
    name="Aria",
    personality="a wise mentor with dry humor",
    voice="calm, wry, brief",
)


SETTINGS_KIND = "settings:remarks"
"""The note that keeps a player's remark settings (not a memory: no bond, never rewound)."""


@dataclass(frozen=True)
class CompanionNote:
    """One thing a companion remembers of its player (``kind``: "asked", "remark:KEY")."""

    id: str
    player_key: str
    companion: str
    session_id: str
    segment: int
    depth: int
    turn: int
    kind: str
    text: str
    created_at: datetime


PERMISSIONS = ("read", "play", "gm")
"""What a token allows: ``read`` the player's tools, ``play`` turns too, ``gm`` all."""


@dataclass(frozen=True)
class McpToken:
    """An MCP client's key: to one story, as one player (or the GM), with permissions.
    Only ``digest`` (a SHA-256 of the secret) is stored."""

    id: str
    digest: str
    session_id: str
    player_key: str  # the seat's user ref ("local", "discord:<id>"); "" for a GM token
    permissions: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None
    label: str = ""
