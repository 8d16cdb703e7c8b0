"""When a narrator may spend the acting player's gold: only on a payment the player asked for.

A model must never empty a purse on its own: "ask hesta about the mine" or
"go west" pays nobody. The player's own words make a payment: buying, paying,
bribing, tipping, trading, hiring, renting, or giving/offering gold. The most
that may be spent is the amount the player named ("pay 5 gold"), else the
price of the item they named ("buy a lantern"), else what they carry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storyai.core.domain.world import World
from storyai.core.engine.intent import resolve

PAYING = frozenset(
    {
        "buy",
        "buys",
        "buying",
        "bought",
        "purchase",
        "purchases",
        "purchasing",
        "pay",
        "pays",
        "paying",
        "paid",
        "bribe",
        "bribes",
        "bribing",
        "tip",
        "tips",
        "tipping",
        "trade",
        "trades",
        "trading",
        "barter",
        "bartering",
        "hire",
        "hiring",
        "rent",
        "renting",
        "donate",
        "donating",
    }
)
"""Words that make an action a payment by themselves."""
GIVING = frozenset({"give", "gives", "giving", "offer", "offers", "offering", "hand", "slip"})
MONEY = frozenset(
    {"gold", "coin", "coins", "gp", "money", "crowns", "credits", "credit", "silver", "pieces"}
)
"""Words for money: with a giving verb they make a payment; after a number, its amount."""
_FILLER = frozenset({"a", "an", "the", "some", "from", "for", "with", "me", "my", "i", "to"})


@dataclass(frozen=True)
class Payment:
    """A payment the player asked for; ``limit`` is the most gold it may cost (None: all)."""

    limit: int | None = None


def payment(action: str, world: World) -> Payment | None:
    """The payment ``action`` asks for, or None when the player is not paying anyone."""
    words = re.findall(r"[a-z0-9']+", action.lower())
    money = MONEY | set(re.findall(r"[a-z0-9']+", world.world.currency.lower()))
    if not (PAYING & set(words) or (GIVING & set(words) and money & set(words))):
        return None
    for number, after in zip(words, [*words[1:], ""], strict=False):
        if number.isdigit() and after in money:
            return Payment(int(number))
    wanted = " ".join(w for w in words if w not in PAYING | GIVING | money | _FILLER)
    if wanted:
        names = {iid: [item.name] for iid, item in world.items.items() if item.value > 0}
        found = resolve(wanted, names)
        if found.id is not None:
            return Payment(world.items[found.id].value)
    return Payment(None)
