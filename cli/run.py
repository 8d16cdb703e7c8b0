"""`storyai run` and `storyai world test`: play without a screen, for authors and scripts."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from storyai.cli.errors import err_console
from storyai.cli.narration import model_option, provider_option, show_warnings
from storyai.cli.render import console
from storyai.core.domain.errors import UsageError

if TYPE_CHECKING:  # the commands import what they use: `storyai --help` stays quick
    from storyai.core.bootstrap import Container
    from storyai.core.domain.events import Line
    from storyai.core.domain.state import GameState
    from storyai.core.domain.world import Playtest, World
    from storyai.core.play import Play, TurnResult
    from storyai.core.storage.ports import UnitOfWorkFactory

STYLE = {"heading": "bold", "dice": "dim cyan", "notice": "yellow", "ending": "bold magenta"}


def render_lines(lines: list[Line]) -> None:
    for line in lines:
        text = escape(line.text)
        if line.kind == "dialogue":
            console.print(f"[bold green]{escape(line.speaker or '')}:[/] {text}")
        elif line.kind == "dice":
            console.print(f"[{STYLE['dice']}]🎲 {text}[/]")
        elif line.kind in STYLE:
            console.print(f"[{STYLE[line.kind]}]{text}[/]")
        else:
            console.print(text)


@dataclass
class Played:
    results: list[TurnResult]
    session_id: str


async def play_script(
    play: Play,
    world: World,
    inputs: list[str],
    *,
    seed: int,
    name: str,
    archetype: str | None,
    on_turn: Callable[[str | None, TurnResult], None] | None = None,
) -> Played:
    """Start a story in ``world`` (installed where ``play`` plays) and play ``inputs``
    (blank and ``#`` lines skipped) until they run out or the story ends."""
    start = await play.start(
        world.id, version=world.version, player_name=name, archetype=archetype, seed=seed
    )
    results = [start]
    if on_turn:
        on_turn(None, start)
    for text in inputs:
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        result = await play.act(start.session_id, text)
        results.append(result)
        if on_turn:
            on_turn(text, result)
        if result.ended:
            break
    return Played(results, start.session_id)


DEATH = "__death"
"""The ending the engine records when the player's character dies."""


def ending_title(world: World, ending: str) -> str:
    """What to call an ending: its title from the world, or that the hero died."""
    if ending == DEATH:
        return "your character died"
    for quest in world.quests.values():
        for e in quest.endings:
            if e.id == ending:
                return f"{e.title} ({e.id})"
    return ending


def _read_inputs(script: Path | None) -> list[str]:
    if script is None:
        return sys.stdin.read().splitlines()
    try:
        return script.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(
            f"There is no script file '{script}'.", hint="give a text file, one input per line"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"The script file '{script}' can't be read ({exc}).",
            hint="give a UTF-8 text file, one input per line",
        ) from None


async def _memory_store(world: World) -> UnitOfWorkFactory:
    from storyai.core import services
    from storyai.core.storage.memory import InMemoryStore

    store = InMemoryStore()
    await services.install_world(store.unit_of_work, world, source="run")
    return store.unit_of_work


def run(
    world: str = typer.Argument(..., help="A world file or folder, a bundled world, or an id."),
    script: Path = typer.Option(
        None,
        "--script",
        "-s",
        help="One input per line ('#' lines are skipped). Default: read standard input.",
    ),
    seed: int = typer.Option(0, "--seed", help="Same seed, same story: dice are seeded."),
    name: str = typer.Option("Ash", "--name", help="Your character's name."),
    archetype: str = typer.Option(None, "--archetype", help="An archetype id of the world."),
    as_json: bool = typer.Option(False, "--json", help="Print the events as JSON lines."),
    save: bool = typer.Option(False, "--save", help="Keep the session in the database."),
    provider: str = provider_option("offline"),
    model: str = model_option(),
) -> None:
    """Play a world without a screen: one input per line, narration to stdout.

    Narrated offline unless --provider names a configured language model.

    [bold]Examples[/bold]

      storyai run ember_hollow --script walkthrough.txt --seed 7
      printf 'look\\ngo north\\n' | storyai run my_world/ --json
      storyai run ember_hollow -s moves.txt --provider anthropic --save
    """
    from storyai.cli.world import _resolve_world
    from storyai.core import services
    from storyai.core.bootstrap import build

    if as_json:
        # Keep stdout to JSON lines: the world's validation warnings go to stderr.
        with console.capture() as captured:
            w, _ = _resolve_world(world)
        if captured.get():
            err_console.print(captured.get(), end="", markup=False, highlight=False)
    else:
        w, _ = _resolve_world(world)
    inputs = _read_inputs(script)

    def show(text_in: str | None, result: TurnResult) -> None:
        if as_json:
            if not result.understood and not result.events:  # told, but nothing stored
                said = [line.text for line in result.lines]
                row = {"turn": result.turn, "kind": "not_understood", "input": text_in}
                typer.echo(json.dumps({**row, "lines": said}, ensure_ascii=False))
            for record in result.events:
                typer.echo(
                    json.dumps(
                        {
                            "turn": record.turn,
                            "kind": record.kind,
                            "actor": record.actor,
                            "payload": record.event.to_payload(),
                        },
                        ensure_ascii=False,
                    )
                )
            return
        if text_in is not None:
            console.print(f"\n[bold]> {escape(text_in)}[/]")
        render_lines(result.lines)
        if result.choices and not result.ended:
            console.print(
                "[dim]"
                + escape("  ".join(f"{i}. {c.text}" for i, c in enumerate(result.choices, 1)))
                + "[/]"
            )

    async def main() -> Played:
        container: Container = await build(migrate=save, provider=provider, model=model)
        try:
            show_warnings(container.narrator)
            if save:
                await services.install_world(container.uow, w, source="run")
                play = container.play
            else:  # the container's narrator, clock and quota, on a store in memory
                from storyai.core.play import Play

                play = Play(
                    await _memory_store(w),
                    narrator=container.narrator.narrator,
                    clock=container.clock,
                    quota=container.quota,
                )
            return await play_script(
                play, w, inputs, seed=seed, name=name, archetype=archetype, on_turn=show
            )
        finally:
            await container.close()

    played = asyncio.run(main())
    last = played.results[-1]
    if as_json:
        return
    if last.ended:
        console.print(f"\n[bold magenta]The story ended: {escape(ending_title(w, last.ended))}[/]")
    if save:
        console.print(f"[dim]Saved as session {played.session_id}.[/]")


# ------------------------------------------------------------------ playtests


@dataclass
class PlaytestResult:
    name: str
    passed: bool
    reason: str
    turns: int
    last_input: str = ""
    last_lines: list[str] = field(default_factory=list)
    """What the last turn told, to show where a failing playtest went astray."""


def check_expectation(test: Playtest, world: World, state: GameState) -> str | None:
    """None when the playtest's expectation holds, else what was missed."""
    e = test.expect
    player = next(iter(state.players.values()))
    if state.ending == DEATH and e.ending != DEATH:
        return f"your character died at turn {state.turn}"
    if e.ending and state.ending != e.ending:
        got = f"'{state.ending}'" if state.ending else "no ending"
        return f"expected ending '{e.ending}', got {got}"
    if e.quest_done:
        qs = state.quests.get(e.quest_done)
        if qs is None or qs.status != "done":
            return f"expected quest '{e.quest_done}' to be complete"
    if e.stage and not e.quest:
        return f"the expectation names stage '{e.stage}' but no `quest:` it belongs to"
    if e.quest:
        qs = state.quests.get(e.quest)
        started = qs is not None and qs.status != "inactive"
        quest = world.quests.get(e.quest)
        stage_ids = [s.id for s in quest.stages] if quest else []
        if e.stage and e.stage not in stage_ids:
            return f"quest '{e.quest}' has no stage '{e.stage}' (its stages: " + (
                ", ".join(stage_ids) + ")"
            )
        if not started:
            return f"expected quest '{e.quest}' to have started"
        if e.stage:
            reached = len(stage_ids) if qs.status == "done" else qs.stage
            if stage_ids.index(e.stage) > reached:
                now = "done" if qs.status == "done" else f"at stage '{stage_ids[qs.stage]}'"
                return f"expected quest '{e.quest}' to reach stage '{e.stage}', but it is {now}"
    if e.location and player.location != e.location:
        return f"expected to be at '{e.location}', but at '{player.location}'"
    if e.flag and e.flag not in state.flags:
        return f"expected flag '{e.flag}' to be set"
    if e.has_item and player.sheet.count(e.has_item) <= 0:
        return f"expected to carry '{e.has_item}'"
    return None


async def run_playtests(world: World) -> list[PlaytestResult]:
    from storyai.core.play import Play

    out = []
    for test in world.playtests:
        play = Play(await _memory_store(world))  # offline, each playtest on its own store
        played = await play_script(
            play, world, test.inputs, seed=test.seed, name="Tester", archetype=test.archetype
        )
        last = played.results[-1]
        reason = check_expectation(test, world, last.state)
        typed = [t for t in test.inputs if t.strip() and not t.lstrip().startswith("#")]
        turns = len(played.results) - 1
        out.append(
            PlaytestResult(
                test.name,
                reason is None,
                reason or "ok",
                turns,
                last_input=typed[turns - 1] if turns else "",
                last_lines=[line.text for line in last.lines if line.kind != "heading"][-3:],
            )
        )
        if reason:
            break  # fail on the first miss
    return out


def world_test(
    path: Path = typer.Argument(..., help="A world file or folder with `playtests:`."),
) -> None:
    """Run the world's playtests; stop at the first one that misses its expectation.

    [bold]Example[/bold]: storyai world test my_world/
    """
    from storyai.cli.world import _load_or_fail

    world = _load_or_fail(path)
    if not world.playtests:
        raise UsageError(
            "This world has no playtests.",
            hint="add `playtests:` with inputs and an `expect:` block",
        )
    results = asyncio.run(run_playtests(world))
    for r in results:
        mark = "[green]✓[/]" if r.passed else "[red]✗[/]"
        console.print(f"{mark} {escape(r.name)} ({r.turns} turns): {escape(r.reason)}")
        if not r.passed:
            if r.last_input:
                console.print(f"  [dim]last input:[/] {escape(r.last_input)}")
            for line in r.last_lines:
                console.print(f"  [dim]│[/] {escape(line)}")
    if not all(r.passed for r in results):
        skipped = len(world.playtests) - len(results)
        if skipped:
            console.print(
                f"[red]Stopped at the first miss;[/] {skipped} later playtest(s) not run."
            )
        raise typer.Exit(1)
    console.print(f"[green]All {len(results)} playtest(s) passed.[/]")
