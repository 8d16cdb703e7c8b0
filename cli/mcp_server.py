"""The story core as a Model Context Protocol server (the official ``mcp`` SDK, v2).

Tools (``storyai.core.companion.tools``, names and shapes versioned by
``TOOLS_VERSION``) and resources (``storyai://world``, ``storyai://transcript``,
``storyai://sheet``, ``storyai://lore``) answer for the caller's token: over stdio
the token given at start, over HTTP the bearer token of each request (checked,
rate-limited and resolved before the SDK sees the request). Every check lives in the
core (``storyai.core.companion.access``); this module only maps the SDK onto it.
"""

from __future__ import annotations

import contextvars
import json
import time
from typing import TYPE_CHECKING, Any

from storyai.core.companion.access import Access, Gateway, Grant, RateLimit, SharedRateLimit
from storyai.core.domain.errors import StoryError

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from storyai.core.play import Play

MISSING = "The MCP server needs the optional 'mcp' package: pip install \"storyai[mcp]\""

_grant: contextvars.ContextVar[Grant | None] = contextvars.ContextVar("storyai_grant", default=None)


def require_sdk() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError:
        from storyai.core.domain.errors import UsageError

        raise UsageError(MISSING) from None


def build_server(play: Play, *, grant: Grant | None = None) -> MCPServer:
    """The MCP server for ``play``: ``grant`` answers every call (stdio, tests); without
    it each HTTP request's bearer token does (``http_app``)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    gateway = Gateway(play)
    server: MCPServer = MCPServer(
        "storyai",
        instructions="A story of Story AI Studio: read what your character knows, and play.",
        version="1",
    )

    def current() -> Grant:
        found = _grant.get() or grant
        if found is None:
            raise ToolError("A bearer token is needed.")
        return found

    async def run(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        try:
            return await gateway.call(current(), tool, arguments)
        except StoryError as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    async def memory_search(query: str) -> dict[str, Any]:
        """What your character witnessed or was told, across all your stories."""
        return await run("memory_search", {"query": query})

    @server.tool()
    async def lore_lookup(topic: str) -> dict[str, Any]:
        """Lore your character knows about a topic (public, or learned)."""
        return await run("lore_lookup", {"topic": topic})

    @server.tool()
    async def relationship_map() -> dict[str, Any]:
        """The people you met, how they stand toward you, and why."""
        return await run("relationship_map", {})

    @server.tool()
    async def quest_tracker() -> dict[str, Any]:
        """Your quests: stage, open objectives, a hint."""
        return await run("quest_tracker", {})

    @server.tool()
    async def power_analyzer(powers: list[str] | None = None) -> dict[str, Any]:
        """What your attacks and spells do and cost now."""
        return await run("power_analyzer", {"powers": powers} if powers else {})

    @server.tool()
    async def story_predictor() -> dict[str, Any]:
        """The choices open from here and what the rules say each needs or risks."""
        return await run("story_predictor", {})

    @server.tool()
    async def take_turn(text: str) -> dict[str, Any]:
        """Play one action (needs the play permission)."""
        return await run("take_turn", {"text": text})

    @server.tool()
    async def roll(expression: str) -> dict[str, Any]:
        """Roll dice, e.g. 1d20+3 (needs the play permission)."""
        return await run("roll", {"expression": expression})

    @server.tool()
    async def sheet() -> dict[str, Any]:
        """Your character sheet (needs the play permission)."""
        return await run("sheet", {})

    @server.tool()
    async def transcript(last_n: int = 5) -> dict[str, Any]:
        """The last turns your character saw (needs the play permission)."""
        return await run("transcript", {"last_n": last_n})

    @server.resource("storyai://world")
    async def world_resource() -> str:
        """The world, as players may see it."""
        return json.dumps(await gateway.world_view(current()), ensure_ascii=False)

    @server.resource("storyai://lore")
    async def lore_resource() -> str:
        """The lore your character knows."""
        return json.dumps(await gateway.known_lore(current()), ensure_ascii=False)

    @server.resource("storyai://sheet")
    async def sheet_resource() -> str:
        """Your character sheet (needs the play permission)."""
        return json.dumps(await run("sheet", {}), ensure_ascii=False)

    @server.resource("storyai://transcript")
    async def transcript_resource() -> str:
        """The last turns your character saw (needs the play permission)."""
        return json.dumps(await run("transcript", {"last_n": 20}), ensure_ascii=False)

    return server


def http_app(play: Play, *, limit: RateLimit | SharedRateLimit | None = None) -> Any:
    """The streamable HTTP app: each request's ``Authorization: Bearer`` token is
    resolved (401 when missing, unknown or revoked) and rate-limited (429) first."""
    from starlette.responses import JSONResponse

    server = build_server(play)
    app = server.streamable_http_app(stateless_http=True, json_response=True)
    access = Access(play.deps)
    limit = limit or RateLimit()

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        auth = headers.get("authorization", "")
        secret = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        try:
            found = await access.resolve(secret)
        except StoryError as exc:
            await JSONResponse({"error": exc.message}, status_code=401)(scope, receive, send)
            return
        try:
            if isinstance(limit, SharedRateLimit):
                await limit.take(found.token.id)
            else:
                limit.take(found.token.id, time.monotonic())
        except StoryError as exc:
            await JSONResponse({"error": exc.message}, status_code=429)(scope, receive, send)
            return
        reset = _grant.set(found)
        try:
            await app(scope, receive, send)
        finally:
            _grant.reset(reset)

    return guarded, app
