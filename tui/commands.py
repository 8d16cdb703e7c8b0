"""Our commands in Textual's command palette (ctrl+p)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

if TYPE_CHECKING:
    from storyai.tui.app import StoryApp


@dataclass(frozen=True)
class PaletteCommand:
    name: str
    help: str
    run: Callable[[], object]


def story_commands(app: StoryApp) -> list[PaletteCommand]:
    """What the palette offers now: more while a story is open."""
    commands = [
        PaletteCommand("New story", "Back to the title screen to pick a world", app.new_story),
        PaletteCommand("Help", "Keys, commands and how play works", app.action_help),
        PaletteCommand("Quit", "Leave; your story is saved at this turn", app.exit),
    ]
    play = app.play_screen
    if play is not None and play.session_id:
        commands += [
            PaletteCommand(
                "History", "The turn tree: rewind, branch, switch branch", play.action_history
            ),
            PaletteCommand("Map", "The places you have found, full screen (F5)", play.action_map),
            PaletteCommand(
                "Codex", "Places, people, items, lore and quests you know (F6)", play.action_codex
            ),
            PaletteCommand(
                "Export transcript (Markdown)",
                "Write this branch to a .md file in your documents folder (the notice says where)",
                lambda: play.export_transcript("markdown"),
            ),
            PaletteCommand(
                "Export transcript (JSON)",
                "Write this branch's events to a .json file in your documents folder",
                lambda: play.export_transcript("json"),
            ),
            PaletteCommand("Toggle side panel", "Show or hide the sheet (F2)", play.action_panel),
            PaletteCommand(
                "Read narration aloud: " + ("stop" if play.aloud else "start"),
                "The game master's voice ([media] speech) through your audio player",
                play.toggle_aloud,
            ),
            PaletteCommand(
                "Companion remarks: " + ("turn off" if play.remarks_on else "turn on"),
                "Whether your companion speaks first after a turn (low HP, danger, new places)",
                play.toggle_remarks,
            ),
            PaletteCommand(
                "Portrait",
                "Draw your character ([media] image); shown again for free",
                play.action_portrait,
            ),
        ]
        for branch in play.branches:
            if not branch.active:
                commands.append(
                    PaletteCommand(
                        f"Switch to branch {branch.name}",
                        f"turn {branch.turn}: {branch.last_line[:60]}",
                        lambda name=branch.name: play.switch_branch(name),
                    )
                )
    return commands


class StoryCommands(Provider):
    """New story, history, help, transcript export, branches, quit."""

    def _commands(self) -> list[PaletteCommand]:
        return story_commands(self.app)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(
                Content(command.name), command.run, text=command.name, help=escape(command.help)
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(
                    score,
                    _highlight(matcher, command.name),
                    command.run,
                    text=command.name,
                    help=escape(command.help),
                )


def _highlight(matcher: Matcher, name: str) -> Content:
    """Like ``Matcher.highlight``, but the name is literal text, never markup."""
    content = Content(name)
    _, offsets = matcher.fuzzy_search.match(matcher.query, name)
    for offset in offsets:
        if not name[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content
