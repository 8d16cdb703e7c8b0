"""What a player brings from their legacy when joining through the bot (/character
create, /story join): the options' comma-separated ids and names, handed to the core's
``Play.join``, which checks them against the profile and the world."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PICK = 200
"""The longest a pick option may be (Discord allows more; nobody needs it)."""

DESCRIBE = {
    "buy": "What your legend points buy here (ids from the world's legacy, comma-separated)",
    "heirloom": "Heirlooms from your legacy to bring (item ids, comma-separated)",
    "follower": "Followers from your legacy to bring (names, comma-separated)",
    "title": "A title from your legacy to wear",
}


def _listed(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").split(",") if p.strip()][:10]


@dataclass(frozen=True)
class LegacyPicks:
    buys: list[str]
    heirlooms: list[str]
    followers: list[str]
    title: str | None = None

    @classmethod
    def parse(
        cls,
        buy: str | None = None,
        heirloom: str | None = None,
        follower: str | None = None,
        title: str | None = None,
    ) -> LegacyPicks:
        return cls(
            _listed(buy), _listed(heirloom), _listed(follower), (title or "").strip() or None
        )

    def join_args(self) -> dict[str, Any]:
        """The keyword arguments of ``Play.join``: only what was picked."""
        return {
            "buys": self.buys or None,
            "heirlooms": self.heirlooms or None,
            "followers": self.followers or None,
            "legacy_title": self.title,
        }
