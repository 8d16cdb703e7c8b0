"""`storyai session`: saved stories — list them, read their branches, export transcripts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from storyai.cli.render import console
from storyai.cli.runtime import with_container

if TYPE_CHECKING:  # the commands import what they use: `storyai --help` stays quick
    from storyai.core.bootstrap import Container
    from storyai.core.media.service import MediaCredits
    from storyai.core.play import BranchInfo, Play, SessionSummary, StoryStatus
    from storyai.core.play.accounting import UsageReport
    from storyai.core.play.prompts import PromptView

app = typer.Typer(
    help="""Saved stories: list them, see branches, costs and prompts, export transcripts.

[bold]Examples[/bold]

  storyai session list
  storyai session show 3f2a
  storyai session export 3f2a -o story.md
""",
    no_args_is_help=True,
    rich_markup_mode="rich",
)


@app.command("list")
def list_sessions(
    limit: int = typer.Option(20, "--limit", "-n", help="How many, most recent first."),
) -> None:
    """The most recently played stories, with the last line each one told.

    [bold]Example[/bold]: storyai session list -n 5
    """

    async def use(c: Container) -> list[SessionSummary]:
        return await c.play.recent(limit=limit)

    found = with_container(use)
    if not found:
        console.print("No stories yet. Start one with [bold]storyai play[/bold].")
        return
    table = Table("id", "story", "turn", "branch", "last line", box=None)
    for s in found:
        mark = " (ended)" if s.ended else " (untold)" if s.telling else ""
        table.add_row(
            s.id[:12],
            escape(s.title),
            f"{s.turn}{mark}",
            escape(s.branch),
            escape(s.last_line[:60]),
        )
    console.print(table)


async def full_session_id(play: Play, prefix: str) -> str:
    """A session id from its first characters, as `session list` shows them."""
    return await play.find_session(prefix)


@app.command("branches")
def branches(session: str = typer.Argument(..., help="A session id (or its start).")) -> None:
    """The branches of a story: where each one is and which one plays on.

    [bold]Example[/bold]: storyai session branches 3f2a
    """

    async def use(c: Container) -> list[BranchInfo]:
        return await c.play.list_branches(await full_session_id(c.play, session))

    for b in with_container(use):
        mark = "[green]●[/]" if b.active else " "
        console.print(f"{mark} {escape(b.name)}  turn {b.turn}  [dim]{escape(b.last_line[:70])}[/]")


@app.command("export")
def export(
    session: str = typer.Argument(..., help="A session id (or its start)."),
    fmt: str = typer.Option("markdown", "--format", "-f", help="markdown or json."),
    out: Path = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
    audio: bool = typer.Option(
        False, "--audio", help="Also write a chapter's narration as audio (needs --out)."
    ),
    chapter: int = typer.Option(
        None, "--chapter", help="With --audio: which chapter (10 turns each); default the last."
    ),
) -> None:
    """The transcript of a story's active branch, as Markdown or JSON.

    With --out, the story's pictures are copied beside the file (NAME_media/) and shown
    in the Markdown; --audio speaks a chapter into NAME_chapterN.mp3 (or .wav).

    [bold]Examples[/bold]

      storyai session export 3f2a --format markdown -o my_story.md
      storyai session export 3f2a -o my_story.md --audio --chapter 2
      storyai session export 3f2a --format json | jq '.events | length'
    """
    if audio and out is None:
        raise typer.BadParameter("--audio writes a file: give --out too", param_hint="--audio")

    async def use(c: Container) -> tuple[str, list[str]]:
        from storyai.core.media.export import chapter_audio, export_media

        session_id = await full_session_id(c.play, session)
        text = await c.play.transcript(session_id, fmt)
        notes: list[str] = []
        if out is not None and fmt == "markdown":
            pictures = await export_media(c.media, session_id, out)
            text += pictures.markdown
            notes += pictures.notices
            if pictures.pictures:
                notes.append(f"{len(pictures.pictures)} picture(s) in {pictures.folder}")
        if audio and out is not None:
            status = await c.play.status(session_id)
            number = chapter or max(1, (status.turn + 9) // 10)
            target = out.with_name(f"{out.stem}_chapter{number}")
            spoken = await chapter_audio(c.media, session_id, number, target)
            notes += spoken.notices
            if spoken.audio is not None:
                notes.append(f"chapter {number} spoken into {spoken.audio}")
        return text, notes

    text, notes = with_container(use)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"Wrote {escape(str(out))}.")
    for note in notes:
        console.print(escape(note))


@app.command("portrait")
def portrait(
    session: str = typer.Argument(..., help="A session id (or its start)."),
    character: str = typer.Option(
        None, "--character", "-c", help="A character's id in the world; default your own."
    ),
) -> None:
    """Draw a portrait (your character's, or a world character's) with the configured
    image provider ([media] image); a portrait made before is shown again for free.

    [bold]Example[/bold]: storyai session portrait 3f2a --character hesta
    """

    async def use(c: Container) -> tuple[str | None, str | None]:
        session_id = await full_session_id(c.play, session)
        if character:
            made = await c.media.character_portrait(session_id, character, user="local")
        else:
            made = await c.media.portrait(session_id, user="local")
        if made.entry is None:
            return None, made.notice
        cost = "from the store, free" if made.entry.cached else f"{made.entry.credits} credits"
        return f"{made.path or made.entry.name} ({cost})", None

    shown, notice = with_container(use)
    if shown is None:
        console.print(f"[yellow]{escape(notice or 'No portrait.')}[/]")
        raise typer.Exit(1)
    console.print(f"Portrait: {escape(shown)}")


@app.command("context")
def context(
    session: str = typer.Argument(..., help="A session id (or its start)."),
    turn: int = typer.Option(
        None, "--turn", "-t", help="Which turn (default: the last one played).", show_default=False
    ),
    summary_only: bool = typer.Option(
        False, "--summary", help="Only the table of sections and the lore trace."
    ),
) -> None:
    """The exact prompt the AI game master saw for a turn, with token counts.

    Section by section, marking cache breakpoints, then why each piece of lore
    was (or was not) included.

    The prompt is rebuilt from the saved story (same dice, same memory), so this
    works for any turn, whichever narrator told it.

    [bold]Examples[/bold]

      storyai session context 3f2a                the last turn's prompt
      storyai session context 3f2a --turn 12 --summary
    """

    async def use(c: Container) -> PromptView:
        return await c.play.prompt_at(await full_session_id(c.play, session), turn)

    view = with_container(use)
    prompt = view.prompt
    if not summary_only:
        for s in prompt.sections:
            where = "system" if s.role == "system" else "user"
            mark = "  [dim]| cache breakpoint[/]" if s.cache else ""
            console.rule(f"[bold]{s.name}[/] · {where} · {s.tokens} tokens{mark}", align="left")
            console.print(escape(s.text), highlight=False, soft_wrap=True)
    table = Table("section", "role", "tokens", "recorded", box=None)
    recorded = dict(view.recorded)
    for s in prompt.sections:
        table.add_row(s.name, s.role, str(s.tokens), str(recorded.get(s.name, "-")))
    table.add_row("[bold]total[/]", "", f"[bold]{prompt.tokens}[/]", "")
    console.rule(
        f"Turn {view.turn}: {escape(view.action)!r} · told by {escape(view.narrator)}",
        align="left",
    )
    console.print(table)
    if prompt.lore:
        lore = Table("lore", "why", "status", "tokens", box=None)
        for hit in prompt.lore:
            lore.add_row(escape(hit.id), escape(hit.why), escape(hit.status), str(hit.tokens))
        console.print(lore)
    if prompt.dropped:
        left = ", ".join(f"{k}: {v}" for k, v in sorted(prompt.dropped.items()))
        console.print(f"[dim]Left out to stay in budget: {escape(left)}[/]")


@app.command("show")
def show(session: str = typer.Argument(..., help="A session id (or its start).")) -> None:
    """A story at a glance: where it is, and what its models cost.

    Tokens (cached ones too) and dollars, in total, per player and per turn.

    [bold]Example[/bold]: storyai session show 3f2a
    """

    async def use(
        c: Container,
    ) -> tuple[StoryStatus, list[BranchInfo], UsageReport, MediaCredits]:
        session_id = await full_session_id(c.play, session)
        return (
            await c.play.status(session_id),
            await c.play.list_branches(session_id),
            await c.play.usage(session_id),
            await c.media.credits(session_id),
        )

    status, branch_list, usage, media = with_container(use)
    console.print(f"[bold]{escape(status.title)}[/]  ({status.session_id})")
    ended = " — ended" if status.ended else ""
    untold = " — its last action is not told yet" if status.telling else ""
    active = next((b.name for b in branch_list if b.active), "")
    console.print(f"turn {status.turn} on branch {escape(active)}{ended}{untold}")
    console.print(f"branches: {escape(', '.join(b.name for b in branch_list))}")
    if status.telling and status.table is None:  # played alone: its player can tell it
        console.print(f"[dim]`storyai play --session {status.session_id[:12]}` tells it.[/]")
    console.print(escape(media.text()[0].upper() + media.text()[1:]))
    total = usage.total
    if not usage.turns:
        console.print("Model usage: none (told by the offline game master).")
        return
    console.print(
        f"Model usage: {total.calls} calls, {total.input_tokens:,} prompt tokens "
        f"({total.cached_tokens:,} cached, {usage.cache_hit_ratio:.0%}), "
        f"{total.output_tokens:,} output tokens, ${total.cost_usd:.4f}"
    )
    table = Table("player", "calls", "prompt", "cached", "output", "cost", box=None)
    for player, u in sorted(usage.by_player.items()):
        table.add_row(
            escape(player),
            str(u.calls),
            f"{u.input_tokens:,}",
            f"{u.cached_tokens:,}",
            f"{u.output_tokens:,}",
            f"${u.cost_usd:.4f}",
        )
    console.print(table)
    turns = Table("turn", "kind", "player", "model", "prompt", "output", "cost", box=None)
    for t in usage.turns[-15:]:
        turns.add_row(
            str(t.turn),
            t.kind,
            escape(t.player),
            escape(t.usage.model),
            f"{t.usage.input_tokens:,}",
            f"{t.usage.output_tokens:,}",
            f"${t.usage.cost_usd:.4f}",
        )
    console.print(turns)
