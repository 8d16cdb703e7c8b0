"""Outside clients' access to a story (the MCP server): tokens, permissions, limits.

A token is created for one story and one seat (``--player NAME``: a character's name
or a user ref), or the GM, with permissions ``read`` (the companion's tools), ``play``
(also turns, rolls, the sheet and the transcript) and ``gm`` (everything, GM-only lore
included). Only the SHA-256 of the secret is stored; the secret is shown once.

``Gateway.call`` is every tool call of a client: the grant's permission is checked,
then the tool runs as the grant's seat. No argument can name another seat: a client
reads only its own character's knowledge. ``RateLimit`` is a token bucket per token
(per server process), on the injected clock.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from storyai.core.companion import tools as t
from storyai.core.companion.service import Companions
from storyai.core.domain.companion import PERMISSIONS, McpToken
from storyai.core.domain.dice import Dice, SeededDice
from storyai.core.domain.errors import DiceError, NotSeated, ToolRefused, UsageError
from storyai.core.play.pipeline import Deps, host_of
from storyai.core.play.queries import story_now
from storyai.core.views.sheet import sheet_view

TOKEN_PREFIX = "sai_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.strip().encode()).hexdigest()


@dataclass(frozen=True)
class Grant:
    """A resolved token: who calls, and what they may do."""

    token: McpToken
    asker: t.Asker

    def allows(self, permission: str) -> bool:
        have = set(self.token.permissions)
        if "gm" in have:
            return True
        if permission == "read":
            return bool(have & {"read", "play"})
        return permission in have


def needed(tool: str) -> str:
    if tool in t.READ_TOOLS:
        return "read"
    if tool in t.PLAY_TOOLS:
        return "play"
    raise ToolRefused(f"There is no tool '{tool}'.")


@dataclass
class RateLimit:
    """At most ``burst`` calls at once, refilled at ``per_minute`` a minute, per token."""

    per_minute: int = 60
    burst: int = 20
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, token_id: str, now: float) -> None:
        tokens, last = self._buckets.get(token_id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.per_minute / 60.0)
        if tokens < 1:
            raise ToolRefused(
                "Too many requests for this token.", hint="wait a few seconds and try again"
            )
        self._buckets[token_id] = (tokens - 1, now)


RATE_KEY = "mcp:{token}:{minute}"
"""The key of ``SharedRateLimit``'s counters: daily quota counters of the ``user`` scope
(one per token and minute; no player key has this form)."""


@dataclass(frozen=True)
class SharedRateLimit:
    """At most ``per_minute`` calls per token in each minute of the clock, counted in the
    database (the quota counters), so every server process on one database shares them.
    A fixed window: up to ``per_minute`` calls may come close together at its edge."""

    deps: Deps
    per_minute: int = 60

    async def take(self, token_id: str) -> None:
        """Count one call; ToolRefused when the token's minute is used up."""
        now = self.deps.clock.now()
        window = int(now.timestamp() // 60)
        async with self.deps.uow() as uow:
            counted = await uow.quotas.take(
                "user",
                RATE_KEY.format(token=token_id, minute=window),
                now.date(),
                max_turns=max(1, self.per_minute),
                max_credits=None,
            )
            await uow.commit()
        if counted is None:
            raise ToolRefused("Too many requests for this token.", hint="wait for the next minute")


class Access:
    """Create, list, revoke and resolve tokens."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def create(
        self, session_id: str, *, player: str | None, can: list[str], label: str = ""
    ) -> tuple[str, McpToken]:
        """A new token (its secret, shown once, and its record)."""
        perms = tuple(dict.fromkeys(p.strip().lower() for p in can if p.strip()))
        bad = [p for p in perms if p not in PERMISSIONS]
        if bad or not perms:
            raise UsageError(
                f"'{(bad or [''])[0]}' is not a permission.", hint="use read, play or gm"
            )
        async with self.deps.uow() as uow:
            players = await uow.players.list(session_id)
            await uow.sessions.get(session_id)
        key = ""
        if player is not None:
            wanted = player.strip().lower()
            seat = next(
                (p for p in players if wanted in (p.user_ref.lower(), p.display_name.lower())),
                None,
            )
            if seat is None:
                names = ", ".join(p.display_name for p in players)
                raise NotSeated(f"Nobody called '{player}' plays this story.", hint=names)
            key = seat.user_ref
        elif "gm" not in perms:
            raise UsageError("A player token needs --player.", hint="or --can gm for the GM")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(24)
        token = McpToken(
            id=self.deps.clock.new_id()[:12],
            digest=digest(secret),
            session_id=session_id,
            player_key=key,
            permissions=perms,
            created_at=self.deps.clock.now(),
            label=label,
        )
        async with self.deps.uow() as uow:
            await uow.mcp_tokens.add(token)
            await uow.commit()
        return secret, token

    async def revoke(self, token_id: str) -> bool:
        async with self.deps.uow() as uow:
            done = await uow.mcp_tokens.revoke(token_id, self.deps.clock.now())
            await uow.commit()
        return done

    async def list(self, session_id: str | None = None) -> list[McpToken]:
        async with self.deps.uow() as uow:
            return await uow.mcp_tokens.list(session_id)

    async def resolve(self, secret: str | None) -> Grant:
        """The grant of a secret; ToolRefused when it is missing, unknown or revoked."""
        if not secret:
            raise ToolRefused("A bearer token is needed.", hint="storyai mcp token create")
        async with self.deps.uow() as uow:
            token = await uow.mcp_tokens.by_digest(digest(secret))
        if token is None or token.revoked_at is not None:
            raise ToolRefused("This token is unknown or revoked.")
        companions = Companions(self.deps)
        gm = "gm" in token.permissions
        if token.player_key:
            asker = await companions.asker(token.session_id, user_ref=token.player_key, gm=gm)
        else:
            current = await story_now(self.deps, token.session_id)
            host = host_of(current.state)
            asker = t.Asker(token.session_id, host, "", gm=True)
        return Grant(token, asker)


class Gateway:
    """Every tool call of an outside client, checked against its grant."""

    def __init__(self, play: Any, *, dice: Dice | None = None) -> None:
        self.play = play  # storyai.core.play.Play (typed loosely: it imports this package)
        self.companions = Companions(play.deps)
        self.dice = dice or SeededDice()

    async def call(self, grant: Grant, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        permission = needed(tool)
        if not grant.allows(permission):
            raise ToolRefused(
                f"This token may not use {tool}: it needs the '{permission}' permission."
            )
        asker = grant.asker
        if tool in t.READ_TOOLS:
            return (await self.companions.call(asker, tool, arguments)).as_dict()
        if tool == "take_turn":
            result = await self.play.act(
                asker.session_id, str(arguments.get("text", "")), player_id=asker.player_id
            )
            return {
                "turn": result.turn,
                "lines": [line.as_dict() for line in result.lines],
                "choices": [c.text for c in result.choices],
                "ended": result.ended,
            }
        if tool == "roll":
            expression = str(arguments.get("expression", ""))[:64]
            try:
                rolled = self.dice.roll(expression)
            except DiceError:
                raise
            except Exception as exc:  # the dice library's own parse errors
                raise DiceError(f"'{expression}' is not dice notation ({exc}).") from None
            return {"expression": expression, "total": rolled.total, "text": rolled.breakdown}
        if tool == "sheet":
            player, _, world = await self.play.character(
                asker.session_id, player_id=asker.player_id
            )
            view = sheet_view(player.sheet, world)
            return {
                "name": view.name,
                "archetype": view.archetype,
                "level": view.level,
                "hp": view.hp.amount,
                "defence": f"{view.defence.label} {view.defence.value}",
                "conditions": list(view.conditions),
                "gold": view.gold,
                "attacks": [f"{a.name}: {a.chance}, {a.damage}" for a in view.attacks],
                "spells": [f"{s.name}: {s.effect}" for s in view.spells],
            }
        last_n = int(arguments.get("last_n", 5) or 5)
        return {"lines": await self.companions.transcript(asker, last_n)}

    async def world_view(self, grant: Grant) -> dict[str, Any]:
        """The world as players may see it: its story, places visited, archetypes."""
        state, world = await self.play.state(grant.asker.session_id)
        return {
            "id": world.id,
            "title": world.world.title,
            "description": " ".join(world.world.description.split()),
            "tone": world.world.tone,
            "places_visited": [
                world.locations[v].name for v in state.visited if v in world.locations
            ],
            "archetypes": {k: a.name for k, a in world.archetypes.items()},
            "tools_version": t.TOOLS_VERSION,
        }

    async def known_lore(self, grant: Grant) -> list[dict[str, Any]]:
        state, world = await self.play.state(grant.asker.session_id)
        return [f.as_dict() for f in t.known_lore(world, state, gm=grant.asker.gm)]
