"""`storyai mcp` (serve a story to MCP clients), `storyai mcp token ...` and
`storyai companion ask` (talk to a story's companion from the shell)."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from storyai.cli.render import console
from storyai.cli.runtime import with_container

if TYPE_CHECKING:
    from storyai.core.bootstrap import Container

TOKEN_ENV = "STORYAI_MCP_TOKEN"

app = typer.Typer(
    help="""Serve a story over the Model Context Protocol (needs pip install "storyai\\[mcp]").

[bold]Examples[/bold]

  storyai mcp token create --session 3f2a --player Ash --can play
  STORYAI_MCP_TOKEN=sai_... storyai mcp
  storyai mcp --http --port 8765
""",
    invoke_without_command=True,
    rich_markup_mode="rich",
)
tokens = typer.Typer(
    help="""Create, list and revoke MCP tokens.

[bold]Example[/bold]: storyai mcp token list
""",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(tokens, name="token")


@app.callback()
def serve(
    ctx: typer.Context,
    http: bool = typer.Option(False, "--http", help="Serve streamable HTTP instead of stdio."),
    host: str = typer.Option("127.0.0.1", "--host", help="HTTP: the address to listen on."),
    port: int = typer.Option(8765, "--port", help="HTTP: the port."),
    token: str = typer.Option(
        None, "--token", help=f"stdio: the token to act with (default: ${TOKEN_ENV})."
    ),
    per_minute: int = typer.Option(
        60,
        "--rate",
        help="HTTP: calls a minute per token, counted in the database (shared by every "
        "server process on it).",
    ),
) -> None:
    """Serve a story over the Model Context Protocol (pip install "storyai\\[mcp]"): over
    stdio with one token, or with --http over streamable HTTP, a bearer token per request.

    [bold]Examples[/bold]

      storyai mcp token create --session 3f2a --player Ash --can play
      STORYAI_MCP_TOKEN=sai_... storyai mcp
      storyai mcp --http --port 8765
    """
    if ctx.invoked_subcommand is not None:
        return
    from storyai.cli.mcp_server import build_server, http_app, require_sdk

    require_sdk()
    from storyai.core.bootstrap import build
    from storyai.core.companion.access import Access, SharedRateLimit

    async def main() -> None:
        container = await build(migrate=True)
        try:
            if http:
                import uvicorn

                limit = SharedRateLimit(container.play.deps, per_minute=per_minute)
                guarded, app_ = http_app(container.play, limit=limit)
                async with app_.router.lifespan_context(app_):
                    config = uvicorn.Config(
                        guarded, host=host, port=port, log_level="warning", lifespan="off"
                    )
                    await uvicorn.Server(config).serve()
            else:
                grant = await Access(container.play.deps).resolve(
                    token or os.environ.get(TOKEN_ENV, "")
                )
                await build_server(container.play, grant=grant).run_stdio_async()
        finally:
            await container.close()

    asyncio.run(main())


@tokens.command("create")
def create(
    session: str = typer.Option(..., "--session", help="The story (its id, or its start)."),
    player: str = typer.Option(None, "--player", help="The character's name (or user ref)."),
    can: list[str] = typer.Option(["read"], "--can", help="read, play or gm (repeatable)."),
    label: str = typer.Option("", "--label", help="A note to remember it by."),
) -> None:
    """Create a token for one seat of a story; its secret is shown once.

    [bold]Example[/bold]: storyai mcp token create --session 3f2a --player Ash --can play
    """
    from storyai.core.companion.access import Access

    async def use(c: Container) -> tuple[str, str, str]:
        sid = await c.play.find_session(session)
        secret, record = await Access(c.play.deps).create(sid, player=player, can=can, label=label)
        return secret, record.id, ",".join(record.permissions)

    secret, token_id, perms = with_container(use)
    console.print(f"Token {token_id} ({perms}). Its secret, shown only now:")
    typer.echo(secret)


@tokens.command("list")
def list_tokens(session: str = typer.Option(None, "--session", help="Only this story's.")) -> None:
    """The tokens (never their secrets): id, story, seat, permissions, revoked or not.

    [bold]Example[/bold]: storyai mcp token list --session 3f2a
    """
    from storyai.core.companion.access import Access

    async def use(c: Container):  # type: ignore[no-untyped-def]
        sid = await c.play.find_session(session) if session else None
        return await Access(c.play.deps).list(sid)

    for t in with_container(use):
        state = "revoked" if t.revoked_at else "active"
        who = t.player_key or "GM"
        console.print(
            f"{t.id}  {t.session_id[:8]}  {escape(who)}  {','.join(t.permissions)}  {state}"
        )


@tokens.command("revoke")
def revoke(token_id: str = typer.Argument(..., help="The token's id (from `token list`).")) -> None:
    """Revoke a token: it stops working at once.

    [bold]Example[/bold]: storyai mcp token revoke 8538ba542eb2
    """
    from storyai.core.companion.access import Access

    async def use(c: Container) -> bool:
        return await Access(c.play.deps).revoke(token_id)

    if not with_container(use):
        from storyai.core.domain.errors import UsageError

        raise UsageError(f"There is no active token '{token_id}'.", hint="storyai mcp token list")
    console.print(f"Token {token_id} revoked.")


companion = typer.Typer(
    help="""Talk to a story's companion.

[bold]Example[/bold]: storyai companion ask 3f2a "what do we know about the mine?"
""",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@companion.command("ask")
def ask(
    session: str = typer.Argument(..., help="A saved story (its id, or its start)."),
    question: str = typer.Argument(..., help='e.g. "what do we know about the mine?"'),
) -> None:
    """Ask the companion (offline: it answers from what your character knows).

    [bold]Example[/bold]: storyai companion ask 3f2a "what do we know about the mine?"
    """

    async def use(c: Container):  # type: ignore[no-untyped-def]
        sid = await c.play.find_session(session)
        return await c.play.companion.ask(sid, question)

    reply = with_container(use)
    console.print(f"[bold green]{escape(reply.companion)}:[/] {escape(reply.text)}")


@companion.command("settings")
def settings(
    remarks: str = typer.Argument(
        None,
        help="off, on, or some of low-hp[=PERCENT], lethal, stalled[=THINGS], new-place, "
        "every=TURNS. Leave out to see the current setting.",
    ),
) -> None:
    """When your companion speaks first after a turn (kept for every story you play).

    [bold]Examples[/bold]

      storyai companion settings                      # show
      storyai companion settings off
      storyai companion settings low-hp=50,lethal,every=3
    """
    from storyai.core.companion.settings import describe_remarks
    from storyai.core.domain.legacy import LOCAL

    async def use(c: Container):  # type: ignore[no-untyped-def]
        if remarks is None:
            return await c.play.companion.remark_settings(LOCAL)
        return await c.play.companion.set_remark_settings(LOCAL, remarks)

    limits = with_container(use)
    console.print(f"Companion remarks: {escape(describe_remarks(limits))}")
