"""The title screen: continue the latest story, start one in any world, or pick a recent one."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from storyai.core.views.legacy import legacy_view
from storyai.core.worlds.bundled import (
    WorldEntry,
    bundled_world_paths,
    install_if_missing,
    world_catalogue,
)
from storyai.tui.render import shorten

if TYPE_CHECKING:  # the story engine is imported once the title is on screen
    from storyai.core.play import SessionSummary
    from storyai.tui.app import StoryApp

RECENT_LIMIT = 8


def session_prompt(s: SessionSummary, width: int = 60) -> Text:
    """Who, where, when, and the last line read. Titles are "World — Player"."""
    text = Text()
    world, sep, player = s.title.rpartition(" — ")
    if sep:
        text.append(shorten(player, width // 2), "bold")
        text.append(" · " + shorten(world, max(8, width - len(player) - 3)), "dim")
    else:
        text.append(shorten(s.title, width), "bold")
    meta = f"\n  turn {s.turn}"
    if s.branch != "main":
        meta += f" · branch {s.branch}"
    if s.ended:
        meta += " · ended"
    elif s.telling:
        meta += " · last turn untold"
    meta += f" · {s.updated_at.astimezone():%d %b %H:%M} · {s.id[:8]}"
    text.append(meta, "dim")
    if s.last_line:
        text.append("\n  " + shorten(s.last_line, width * 2 - 4), "italic")
    return text


class TitleScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "continue", "Continue"),
        Binding("n", "new", "New story"),
        Binding("r", "recent", "Recent", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.worlds: list[WorldEntry] = []
        self.recent: list[SessionSummary] = []
        self.descriptions: dict[str, str] = {}

    @property
    def story_app(self) -> StoryApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="title-body"):
            yield Static(
                Text.assemble(
                    ("Story AI Studio", "bold"),
                    ("  worlds in YAML, told by a game master", "dim"),
                ),
                id="banner",
            )
            yield Static(self._gm_line(), id="gm-line")
            yield Static("", id="legacy-line")
            yield Button("Continue", id="continue", compact=True, variant="primary")
            yield Static("", id="continue-line")
            with Horizontal(id="title-lists"):
                with Vertical(id="worlds-box"):
                    yield Label("New story in…", classes="section")
                    yield OptionList(id="worlds")
                    yield Static("", id="world-info")
                with Vertical(id="recent-box"):
                    yield Label("Recent stories", classes="section")
                    yield OptionList(id="sessions")
        yield Footer()

    def _gm_line(self) -> Text:
        label = self.story_app.deps.narrator_label
        if label == "offline":
            return Text.assemble(
                ("Game master: built-in, offline. ", "dim"),
                ("For an AI one set ANTHROPIC_API_KEY, OPENAI_API_KEY or ", "dim"),
                ("STORYAI_LOCAL_BASE_URL (see storyai providers list).", "dim"),
            )
        return Text.assemble(("Game master: ", "dim"), (label, "bold"))

    def on_mount(self) -> None:
        self.query_one("#continue").display = False
        # Draw first, then fill the lists: loading them imports the story engine.
        self.call_after_refresh(self.refresh_lists)

    @work(exclusive=True, group="title")
    async def refresh_lists(self) -> None:
        deps = self.story_app.deps
        legacy = None
        with self.story_app.story_errors():
            from storyai.core.worlds.validate import load_world

            self.worlds = await world_catalogue(deps.uow)
            self.recent = await deps.play.recent(limit=RECENT_LIMIT)
            legacy = legacy_view(await deps.play.profile())
            for entry in self.worlds:
                if entry.installed:
                    world = await deps.play.world(entry.id)
                else:
                    world = load_world(bundled_world_paths()[entry.id])
                self.descriptions[entry.id] = world.world.description.strip()
        if legacy is not None:
            self.query_one("#legacy-line", Static).update(Text(legacy.summary, "dim"))
        worlds = self.query_one("#worlds", OptionList)
        worlds.clear_options()
        for entry in self.worlds:
            prompt = Text(entry.title, style="bold")
            tag = "bundled" if entry.bundled else "installed"
            prompt.append(f"\n  {entry.id} · {tag}", "dim")
            worlds.add_option(Option(prompt, id=entry.id))
        sessions = self.query_one("#sessions", OptionList)
        sessions.clear_options()
        for s in self.recent:
            sessions.add_option(Option(session_prompt(s, 34), id=s.id))
        if not self.recent:
            sessions.add_option(Option(Text("No stories yet.", style="dim"), disabled=True))
        self.refresh_bindings()
        button = self.query_one("#continue", Button)
        if self.recent:
            latest = self.recent[0]
            button.label = Text(f"▶ Continue: {shorten(latest.title, 50)} (turn {latest.turn})")
            button.display = True
            line = shorten(latest.last_line, 150) if latest.last_line else ""
            self.query_one("#continue-line", Static).update(Text(line, style="italic"))
            button.focus()
        else:
            button.display = False
            worlds.focus()
        if self.worlds:
            worlds.highlighted = 0
            self._describe(self.worlds[0].id)

    def _describe(self, world_id: str) -> None:
        text = self.descriptions.get(world_id, "")
        self.query_one("#world-info", Static).update(Text(shorten(text, 170), style="dim"))

    @on(OptionList.OptionHighlighted, "#worlds")
    def _world_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self._describe(event.option.id)

    @on(OptionList.OptionSelected, "#worlds")
    def _world_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.start_world(event.option.id)

    @on(OptionList.OptionSelected, "#sessions")
    def _session_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.story_app.open_session(event.option.id)

    @on(Button.Pressed, "#continue")
    def _continue_pressed(self) -> None:
        self.action_continue()

    @work(exclusive=True, group="title")
    async def start_world(self, world_id: str) -> None:
        with self.story_app.story_errors():
            await install_if_missing(self.story_app.deps.uow, world_id)
            from storyai.tui.screens.create import CreateScreen

            self.app.push_screen(CreateScreen(world_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # nothing to continue: not offered
        return not (action == "continue" and not self.recent)

    def action_continue(self) -> None:
        if self.recent:
            self.story_app.open_session(self.recent[0].id)
        else:
            self.notify("No story to continue yet: pick a world to start one.", markup=False)

    def action_new(self) -> None:
        self.query_one("#worlds", OptionList).focus()

    def action_recent(self) -> None:
        self.query_one("#sessions", OptionList).focus()
