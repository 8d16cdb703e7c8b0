"""Relationships as a player (or a companion reading the story) meets them: who stands
how with the player, what kind of bond it is, and the moments that moved it."""

from __future__ import annotations

from dataclasses import dataclass

from storyai.core.domain.relationships import label
from storyai.core.domain.state import GameState
from storyai.core.domain.world import World


@dataclass(frozen=True)
class RelationshipLine:
    who: str
    name: str
    value: int  # -100 .. 100
    feeling: str  # "warm", "cold", ...
    kind: str | None  # friend, rival, mentor, romance, enemy
    moments: tuple[str, ...]  # newest last: "turn 3: you gave them the ledger (+10)"
    met: bool  # the player has spoken with or dealt with them


@dataclass(frozen=True)
class RelationshipsView:
    lines: tuple[RelationshipLine, ...]


def relationships_view(state: GameState, world: World, player_id: str) -> RelationshipsView:
    """Every character the player has a history with, or has talked to, warmest first."""
    out = []
    for cid, npc in state.npcs.items():
        if cid not in world.characters or world.characters[cid].kind != "npc":
            continue
        stored = npc.relationships.get(player_id)
        met = stored is not None or cid in state.topics_heard
        if not met:
            continue
        bond = npc.relationship(player_id)
        moments = tuple(
            f"turn {m.turn}: {m.why} ({m.delta:+d})" + (" — witnessed" if m.witnessed else "")
            for m in bond.history
        )
        out.append(
            RelationshipLine(
                cid,
                world.characters[cid].name,
                bond.value,
                label(bond.value),
                bond.kind,
                moments,
                met,
            )
        )
    out.sort(key=lambda line: (-line.value, line.name))
    return RelationshipsView(tuple(out))


def relationships_text(view: RelationshipsView) -> str:
    if not view.lines:
        return "Nobody here knows you yet."
    rows = ["Relationships:"]
    for line in view.lines:
        kind = f", {line.kind}" if line.kind else ""
        rows.append(f"- {line.name}: {line.feeling} ({line.value:+d}{kind})")
        rows += [f"    {m}" for m in line.moments[-3:]]
    return "\n".join(rows)


def remembered(state: GameState, world: World, player_id: str, who: str, limit: int = 2) -> str:
    """One line for the GM: how ``who`` stands with the player and the latest reasons."""
    npc = state.npcs[who]
    if player_id not in npc.relationships:
        return ""
    bond = npc.relationships[player_id]
    kind = f", {bond.kind}" if bond.kind else ""
    why = "; ".join(m.why for m in bond.history[-limit:])
    name = world.characters[who].name if who in world.characters else who
    feeling = f"{label(bond.value)} ({bond.value:+d}{kind})"
    return f"{name} toward {state.players[player_id].name}: {feeling}; remembers: {why}"
