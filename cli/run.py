"""`storyai run` and `storyai world test`: play without a screen, for authors and scripts."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from storyai.cli.errors import err_console
from storyai.cli.narration import model_option, provider_option, show_warnings
from storyai.cli.render import console
from storyai.core.domain.errors import UsageError

if TYPE_CHECKING:  # the commands import what they use: `storyai --help` stays quick
    from storyai.core.bootstrap import Container
    from storyai.core.companion.service import CompanionReply
    from storyai.core.domain.events import Line
    from storyai.core.domain.identity import IdentityRequest
    from storyai.core.domain.world import World
    from storyai.core.play import TurnResult
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


def _character(
    path: Path | None,
    name: str,
    archetype: str | None,
    flags: dict[str, Any],
    background: list[str],
    roll: bool,
) -> tuple[str, str | None, IdentityRequest]:
    """The character asked for: the YAML file's fields, then the flags over them."""
    import yaml

    from storyai.core.domain.identity import identity_request

    data: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"There is no character file '{path}'.") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise UsageError(
                f"The character file '{path}' can't be read ({exc}).",
                hint="a YAML mapping: name, archetype, title, origin, background...",
            ) from None
        if not isinstance(loaded, dict):
            raise UsageError(
                f"The character file '{path}' must be a YAML mapping (name: ..., origin: ...)."
            )
        data = dict(loaded)
    named = data.pop("name", None)
    name = str(named) if named and name == "Ash" else name  # a --name flag wins
    archetype = archetype or data.pop("archetype", None)
    data.pop("archetype", None)
    data.update({k: v for k, v in flags.items() if v})
    picks = dict(data.get("background") or {})
    for pair in background:
        table, sep, option = pair.partition("=")
        if not sep or not table.strip() or not option.strip():
            raise UsageError(
                f"--background '{pair}' is not TABLE=OPTION.", hint="e.g. --background kin=orphan"
            )
        picks[table.strip()] = option.strip()
    if picks:
        data["background"] = picks
    data["roll"] = roll
    return name, archetype, identity_request(data, where=str(path or "the character"))


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
    character_file: Path = typer.Option(
        None,
        "--character",
        help="A YAML file with the character: name, archetype, title, origin, backstory, "
        "appearance, goals, fears, desires, family, friends, enemies, background "
        "(table: option). Flags given as well win.",
    ),
    title: str = typer.Option(None, "--title", help="Your character's title."),
    origin: str = typer.Option(None, "--origin", help="Where your character comes from."),
    backstory: str = typer.Option(None, "--backstory", help="Your character's past."),
    appearance: str = typer.Option(None, "--appearance", help="How your character looks."),
    goal: list[str] = typer.Option(None, "--goal", help="A goal (repeat for more)."),
    fear: list[str] = typer.Option(None, "--fear", help="A fear (repeat for more)."),
    desire: list[str] = typer.Option(None, "--desire", help="A desire (repeat for more)."),
    family: list[str] = typer.Option(None, "--family", help="Family (repeat for more)."),
    friend: list[str] = typer.Option(None, "--friend", help="A friend (repeat for more)."),
    enemy: list[str] = typer.Option(None, "--enemy", help="An enemy (repeat for more)."),
    background: list[str] = typer.Option(
        None,
        "--background",
        help="A background option: TABLE=OPTION (repeat for more); the world's other "
        "tables are rolled from the seed.",
    ),
    pick: list[str] = typer.Option(
        None,
        "--pick",
        help="A level-up choice, answered as soon as one comes (repeat, in order): "
        "STR for +2, 'DEX CON' for +1 each, or a specialization's name.",
    ),
    heirloom: list[str] = typer.Option(
        None,
        "--heirloom",
        help="An heirloom item id from your legacy to bring (repeat; needs --save).",
    ),
    legacy_title: str = typer.Option(
        None, "--legacy-title", help="A title from your legacy to wear (needs --save)."
    ),
    buy: list[str] = typer.Option(
        None,
        "--buy",
        help="Something the world's legacy sells, paid with your legend points (repeat; "
        "needs --save).",
    ),
    follower: list[str] = typer.Option(
        None,
        "--follower",
        help="A follower from your legacy to bring, by name (repeat; needs --save).",
    ),
    generate_identity: bool = typer.Option(
        False,
        "--generate-identity",
        help="Have the configured model (--provider) write what the character file and "
        "flags leave empty; offline, the world's tables are rolled as ever.",
    ),
    roll_background: bool = typer.Option(
        True, "--roll-background/--no-roll-background", help="Roll the tables left open."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the events as JSON lines."),
    companion_remarks: str = typer.Option(
        None,
        "--companion-remarks",
        help="When the companion speaks first after a turn: off, on, or some of "
        "low-hp[=PERCENT], lethal, stalled[=THINGS], new-place, every=TURNS. Default: "
        "with --save your setting (storyai companion settings), else on.",
    ),
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
    from storyai.core.playtests import Played, ending_title, play_script

    if as_json:
        # Keep stdout to JSON lines: the world's validation warnings go to stderr.
        with console.capture() as captured:
            w, source = _resolve_world(world)
        if captured.get():
            err_console.print(captured.get(), end="", markup=False, highlight=False)
    else:
        w, source = _resolve_world(world)
    from storyai.core.companion.service import RemarkLimits
    from storyai.core.companion.settings import parse_remarks

    remarks = parse_remarks(companion_remarks) if companion_remarks is not None else None
    inputs = _read_inputs(script)
    flags = {
        "title": title,
        "origin": origin,
        "backstory": backstory,
        "appearance": appearance,
        "goals": goal,
        "fears": fear,
        "desires": desire,
        "family": family,
        "friends": friend,
        "enemies": enemy,
    }
    name, archetype, identity = _character(
        character_file, name, archetype, flags, background or [], roll_background
    )
    if generate_identity:
        identity = identity.model_copy(update={"generate": True})

    told = [0]  # the last turn shown (a remark in JSON names it)

    def show(text_in: str | None, result: TurnResult) -> None:
        told.append(result.turn)
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

    def remark(reply: CompanionReply) -> None:
        if as_json:
            row = {
                "turn": told[-1],
                "kind": "companion_remark",
                "actor": reply.companion,
                "payload": {"text": reply.text},
            }
            typer.echo(json.dumps(row, ensure_ascii=False))
        else:
            render_lines([reply.line()])

    async def main() -> Played:
        container: Container = await build(migrate=save, provider=provider, model=model)
        try:
            show_warnings(container.narrator)
            version = w.version
            if save and source == world:  # a world folder or file: its working copy
                copy = await services.install_working_copy(
                    container.uow, w, folder=str(Path(world).resolve())
                )
                version, play = copy.record.version, container.play
            elif save:
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
            limits = remarks
            if limits is None and save:  # the player's own setting, kept in the database
                limits = await container.play.companion.remark_settings("local")
            return await play_script(
                play,
                w,
                inputs,
                seed=seed,
                name=name,
                archetype=archetype,
                identity=identity,
                picks=pick or [],
                heirlooms=heirloom or [],
                legacy_title=legacy_title,
                buys=buy or [],
                followers=follower or [],
                on_turn=show,
                version=version,
                remarks=limits or RemarkLimits(),
                on_remark=None if limits is not None and not limits.enabled else remark,
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


def world_test(
    path: Path = typer.Argument(..., help="A world file or folder with `playtests:`."),
) -> None:
    """Run every playtest of a world, offline, and say which missed and why.

    A miss shows the last turns played (input and reply), the expectation that
    failed (with its file:line:column) and what was seen instead. Exit code 1 when
    any playtest misses.

    [bold]Example[/bold]

      storyai world test my_world/
    """
    from storyai.cli.world import _load_or_fail
    from storyai.core.playtests import ending_title, run_playtests
    from storyai.core.worlds.loader import read_world

    world = _load_or_fail(path)
    if not world.playtests:
        raise UsageError(
            "This world has no playtests.",
            hint="add `playtests:` with inputs and an `expect:` block",
        )
    results = asyncio.run(run_playtests(world))
    source = read_world(path).source
    for r in results:
        mark = "[green]✓[/]" if r.passed else "[red]✗[/]"
        reason = r.miss.reason if r.miss else "ok"
        console.print(f"{mark} {escape(r.name)} ({r.turns} turns): {escape(reason)}")
        if r.miss is None:
            continue
        pos = source.locate(("playtests", r.index, "expect", r.miss.field), key=True)
        where = f"  [dim]({escape(f'{pos.file}:{pos.line}:{pos.column}')})[/]" if pos else ""
        console.print(f"  [dim]expected:[/] {escape(f'{r.miss.field}: {r.miss.expected}')}{where}")
        if r.ended:
            left = f"; {r.unplayed} input(s) not played" if r.unplayed else ""
            console.print(
                f"  [dim]the story ended:[/] {escape(ending_title(world, r.ended))}{escape(left)}"
            )
        console.print(f"  [dim]last {len(r.last_turns)} turn(s):[/]")
        for turn in r.last_turns:
            console.print(f"    [bold]> {escape(turn.input or '(the opening)')}[/]")
            if turn.more:
                console.print(f"    [dim]│ … {turn.more} earlier line(s)[/]")
            for line in turn.lines:
                console.print(f"    [dim]│[/] {escape(line)}")
    passed = sum(r.passed for r in results)
    failed = len(results) - passed
    summary = f"{passed} passed, {failed} failed"
    if failed:
        console.print(f"[red]{summary}.[/]")
        raise typer.Exit(1)
    console.print(f"[green]All {passed} playtest(s) passed[/] ({summary}).")
