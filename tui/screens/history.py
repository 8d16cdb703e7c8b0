"""The history screen: every turn of every branch as a tree; rewind, branch, switch, rename.

A straight run of turns is drawn as one list; where the story forked, the other
way is nested under the turn it left from. Dismissed with True when the active
line changed, so the play screen reloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Header, Input, Label, OptionList, Static, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from storyai.core.play import BranchInfo, Play
from storyai.core.play.history import TurnNode
from storyai.tui.render import shorten

if TYPE_CHECKING:
    from storyai.tui.app import StoryApp


def turn_label(node: TurnNode, active_branch: str, head_id: str | None) -> Text:
    """``▶ T3 go north ⎇ main  The road switchbacks…``: the head, the line, the branches."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if node.event_id == head_id:
        text.append("▶ ", "bold yellow")
    elif node.on_active_line:
        text.append("● ", "green")
    else:
        text.append("○ ", "dim")
    text.append(f"T{node.turn:<3}", "bold")
    if node.action:
        text.append(shorten(node.action, 28))
    else:
        text.append("(opening)", "italic")
    for name in node.branches:
        style = "bold reverse green" if name == active_branch else "bold cyan"
        text.append("  ")
        text.append(f"⎇ {name}", style)
    if node.last_line:
        text.append("  " + shorten(node.last_line, 48), "dim")
    return text


@dataclass
class Run:
    """Turns played one after another, and the runs that fork off from them."""

    nodes: list[TurnNode]
    forks: dict[str, list[Run]] = field(default_factory=dict)


def runs(nodes: list[TurnNode]) -> list[Run]:
    """The turn tree as runs: at a fork the continuation is the child on the active
    line (else the first played), and the other children start nested runs."""
    by_id = {n.event_id: n for n in nodes}

    def run_from(start: TurnNode) -> Run:
        run = Run([start])
        current = start
        while True:
            kids = [by_id[c] for c in current.children if c in by_id]
            if not kids:
                return run
            cont = next((k for k in kids if k.on_active_line), kids[0])
            others = [k for k in kids if k is not cont]
            if others:
                run.forks[current.event_id] = [run_from(k) for k in others]
            current = cont
            run.nodes.append(current)

    return [run_from(n) for n in nodes if n.parent is None or n.parent not in by_id]


class TurnTree(Tree[TurnNode]):
    """A click only highlights a turn (double-click or Enter picks it)."""

    async def _on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        if "line" in meta and not meta.get("toggle", False) and event.chain < 2:
            self.cursor_line = meta["line"]
            return
        await super()._on_click(event)


class BranchNameScreen(ModalScreen[str | None]):
    """Asks for a branch name."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, value: str = "") -> None:
        super().__init__()
        self.prompt, self.value = prompt, value

    def compose(self) -> ComposeResult:
        with Vertical(id="ask-box"):
            yield Label(Text(self.prompt))
            yield Input(value=self.value, id="ask-input", max_length=40, compact=True)
            yield Static(Text("Enter to confirm, Esc to cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#ask-input", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HistoryScreen(Screen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("n", "named_branch", "Named branch"),
        Binding("s", "switch", "Switch branch"),
        Binding("r", "rename", "Rename branch"),
    ]

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        self.nodes: list[TurnNode] = []
        self.branches: list[BranchInfo] = []
        self.changed = False

    @property
    def story_app(self) -> StoryApp:
        return self.app  # type: ignore[return-value]

    @property
    def service(self) -> Play:
        return self.story_app.deps.play

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="history"):
            yield Static("", id="history-head")
            yield TurnTree("Story", id="turns")
            yield Static("", id="turn-detail")
            with Horizontal(id="history-bottom"):
                with Vertical(id="branches-box"):
                    yield Label("Branches (Enter or s: switch, r: rename)", classes="section")
                    yield OptionList(id="branches")
                with Vertical(id="history-buttons"):
                    yield Button("⟲ Rewind here", id="rewind", compact=True, variant="primary")
                    yield Button("⎇ Named branch…", id="named", compact=True)
                    yield Button("Back", id="back", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = "History"
        tree = self.query_one("#turns", TurnTree)
        tree.show_root = False
        tree.auto_expand = False
        tree.guide_depth = 2
        self.load()

    @work(exclusive=True, group="history-load")
    async def load(self) -> None:
        with self.story_app.story_errors():
            self.nodes = await self.service.turn_tree(self.session_id)
            self.branches = await self.service.list_branches(self.session_id)
        active = next((b for b in self.branches if b.active), None)
        active_name = active.name if active else ""
        head_id = next(
            (n.event_id for n in self.nodes if active_name and active_name in n.branches), None
        )
        head = self.query_one("#history-head", Static)
        head.update(
            Text.assemble(
                ("Branch ", "dim"),
                (active_name, "bold"),
                (f" at turn {active.turn}" if active else "", "dim"),
                ("  ·  ▶ you are here  ·  Enter: play on from a turn", "dim"),
                no_wrap=True,
                overflow="ellipsis",
            )
        )
        tree = self.query_one("#turns", TurnTree)
        tree.clear()
        here: TreeNode[TurnNode] | None = None

        def add_run(parent: TreeNode[TurnNode], run: Run) -> None:
            nonlocal here
            for node in run.nodes:
                label = turn_label(node, active_name, head_id)
                if node.event_id in run.forks:
                    item = parent.add(label, data=node, expand=True)
                    for fork in run.forks[node.event_id]:
                        add_run(item, fork)
                else:
                    item = parent.add_leaf(label, data=node)
                if node.event_id == head_id:
                    here = item

        for run in runs(self.nodes):
            add_run(tree.root, run)
        tree.root.expand()
        if here is not None:
            target = here

            def to_here() -> None:
                tree.move_cursor(target)
                tree.scroll_to_node(target, animate=False)

            tree.call_after_refresh(to_here)
        tree.focus()
        branches = self.query_one("#branches", OptionList)
        branches.clear_options()
        for b in self.branches:
            prompt = Text(no_wrap=True, overflow="ellipsis")
            prompt.append("● " if b.active else "  ", "green")
            prompt.append(b.name, "bold" if b.active else "")
            prompt.append(f"  turn {b.turn}  ", "dim")
            prompt.append(shorten(b.last_line, max(16, 40 - len(b.name))), "dim italic")
            branches.add_option(Option(prompt, id=b.name))
        self._detail(tree.cursor_node.data if tree.cursor_node else None)

    def _detail(self, node: TurnNode | None) -> None:
        detail = self.query_one("#turn-detail", Static)
        if node is None:
            detail.update("")
            return
        text = Text()
        text.append(f"Turn {node.turn}", "bold")
        if node.actor:
            text.append(f" · {node.actor}", "dim")
        text.append(": ")
        text.append(node.action or "(the opening)", "italic")
        if node.last_line:
            text.append("\n" + shorten(node.last_line, 220))
        detail.update(text)

    @property
    def highlighted(self) -> TurnNode | None:
        node = self.query_one("#turns", TurnTree).cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeHighlighted, "#turns")
    def _highlighted(self, event: Tree.NodeHighlighted[TurnNode]) -> None:
        self._detail(event.node.data)

    @on(Tree.NodeSelected, "#turns")
    def _selected(self, event: Tree.NodeSelected[TurnNode]) -> None:
        if event.node.data is not None:
            self.pick(event.node.data)

    def pick(self, node: TurnNode, name: str | None = None) -> None:
        """Play on from ``node``: switch to its branch if one ends there, else branch off."""
        active = next((b.name for b in self.branches if b.active), None)
        if name is None and node.branches:
            target = active if active in node.branches else node.branches[0]
            if target == active:
                self.dismiss(self.changed)
            else:
                self.switch(target)
            return
        self.rewind(node, name)

    @work(exclusive=True, group="history-change")
    async def rewind(self, node: TurnNode, name: str | None = None) -> None:
        with self.story_app.story_errors():
            info = await self.service.rewind(self.session_id, event_id=node.event_id, name=name)
            await self._redraw_story()
            self.notify(
                f"Rewound to turn {info.turn}, on the new branch {info.name}.",
                title="Rewind",
                markup=False,
            )
            self.dismiss(True)

    @work(exclusive=True, group="history-change")
    async def switch(self, name: str) -> None:
        with self.story_app.story_errors():
            await self.service.switch_branch(self.session_id, name)
            await self._redraw_story()
            self.notify(f"On branch {name}.", markup=False)
            self.dismiss(True)

    async def _redraw_story(self) -> None:
        """The play screen under this one shows the new line before this one closes."""
        play = self.story_app.play_screen
        if play is not None:
            await play.redraw()

    @work(exclusive=True, group="history-change")
    async def rename(self, old: str, new: str) -> None:
        with self.story_app.story_errors():
            await self.service.rename_branch(self.session_id, old, new)
            self.changed = True
            self.notify(f"Branch {old} is now {new}.", markup=False)
        self.load()

    @on(OptionList.OptionSelected, "#branches")
    def _branch_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self._switch_to(event.option.id)

    def _switch_to(self, name: str) -> None:
        if any(b.active and b.name == name for b in self.branches):
            self.dismiss(self.changed)
        else:
            self.switch(name)

    def _selected_branch(self) -> str | None:
        branches = self.query_one("#branches", OptionList)
        if branches.has_focus and branches.highlighted is not None:
            return branches.get_option_at_index(branches.highlighted).id
        node = self.highlighted
        if node is not None and node.branches:
            return node.branches[0]
        return next((b.name for b in self.branches if b.active), None)

    @on(Button.Pressed, "#rewind")
    def _rewind_pressed(self) -> None:
        node = self.highlighted
        if node is not None:
            self.pick(node)

    @on(Button.Pressed, "#named")
    def _named_pressed(self) -> None:
        self.action_named_branch()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    def action_back(self) -> None:
        self.dismiss(self.changed)

    def action_named_branch(self) -> None:
        node = self.highlighted
        if node is None:
            return

        def named(name: str | None) -> None:
            if name:
                self.rewind(node, name)

        self.app.push_screen(
            BranchNameScreen(f"Name the branch that starts at turn {node.turn}:"), named
        )

    def action_switch(self) -> None:
        name = self._selected_branch()
        if name:
            self._switch_to(name)

    def action_rename(self) -> None:
        old = self._selected_branch()
        if not old:
            return

        def renamed(new: str | None) -> None:
            if new and new != old:
                self.rename(old, new)

        self.app.push_screen(BranchNameScreen(f"New name for branch {old}:", old), renamed)
