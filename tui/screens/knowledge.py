"""Full-screen map (F5) and codex (F6): what the player's character has found and learned.

Both draw the core's read models (``Play.map``, ``Play.codex``): the map in Unicode,
only the places this player knows, the party marked ◆ and locked ways ╳; the codex
as sections with the turn each thing was learned, filtered as you type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from storyai.core.domain.errors import StoryError
from storyai.core.maps.text import render_text
from storyai.core.views.codex import KIND_TITLES, KINDS, Codex

if TYPE_CHECKING:
    from storyai.tui.app import StoryApp


class MapScreen(Screen[None]):
    """The story's maps as this player knows them. Esc or F5 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f5,q", "close", "Close")]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "Map — ◆ you are here · ╳ locked · only places you have found", id="mapscreen-title"
        )
        with ScrollableContainer(id="mapscreen-scroll"):
            yield Static("Drawing the map…", id="mapscreen-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#mapscreen-scroll").focus()
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        app: StoryApp = self.app  # type: ignore[assignment]
        try:
            view = await app.deps.play.map(self.session_id)
        except StoryError as error:
            app.report(error)
            self.dismiss(None)
            return
        self.query_one("#mapscreen-text", Static).update(Text(render_text(view), no_wrap=True))

    def action_close(self) -> None:
        self.dismiss(None)


class CodexScreen(Screen[None]):
    """Places, people, items, lore and quests this character knows. Type to search."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f6", "close", "Close")]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.codex: Codex | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Search the codex…", id="codex-search", compact=True)
        with VerticalScroll(id="codex-scroll"):
            yield Static("Opening the codex…", id="codex-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#codex-search").focus()
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        app: StoryApp = self.app  # type: ignore[assignment]
        try:
            self.codex = await app.deps.play.codex(self.session_id)
        except StoryError as error:
            app.report(error)
            self.dismiss(None)
            return
        self.show(self.query_one("#codex-search", Input).value)

    @on(Input.Changed, "#codex-search")
    def _search(self, event: Input.Changed) -> None:
        self.show(event.value)

    def show(self, query: str) -> None:
        if self.codex is None:
            return
        self.query_one("#codex-text", Static).update(codex_text(self.codex, query))

    def action_close(self) -> None:
        self.dismiss(None)


def codex_text(codex: Codex, query: str = "") -> Text:
    shown = codex.search(query) if query.strip() else codex
    text = Text()
    text.append(f"{codex.player_name}'s codex", "bold")
    text.append(f" — {codex.world_title}\n", "dim")
    if not shown.entries:
        text.append("\nNothing found.\n" if query.strip() else "\nNothing learned yet.\n")
    for kind in KINDS:
        entries = shown.of_kind(kind)
        if not entries:
            continue
        text.append(f"\n{KIND_TITLES[kind]}\n", "bold underline")
        for entry in entries:
            text.append(f"  {entry.name}", "bold")
            text.append(f"  {entry.how}, turn {entry.turn}\n", "dim")
            if entry.text:
                body = " ".join(entry.text.split())
                text.append(f"    {body[:150] + ('…' if len(body) > 150 else '')}\n")
    return text
