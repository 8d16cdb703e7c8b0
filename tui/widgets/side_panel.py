"""The side panel: character sheet, pack, quest log, and where you are with a map."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical, VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from storyai.tui.render import hp_bar
from storyai.tui.view import PlayView

TABS = ("tab-sheet", "tab-pack", "tab-quests", "tab-map")


def sheet_renderable(view: PlayView) -> Group:
    s = view.sheet
    title = Text.assemble((s.name, "bold"))
    if s.system == "d20":
        title.append(f"  level {s.level}", "dim")
    if s.archetype:
        title.append(f"  {s.archetype.replace('_', ' ')}", "dim")
    hp = Text.assemble("HP ", hp_bar(s.hp, s.max_hp, 12), f" {s.hp}/{s.max_hp}")
    if s.temp_hp:
        hp.append(f" (+{s.temp_hp})", "cyan")
    defence = f"AC {s.ac}" if s.system == "d20" else f"Armor {s.armor}"
    extra = [defence]
    if s.system == "d20":
        extra.append(f"XP {s.xp}")
    elif s.sanity is not None:
        extra.append(f"SAN {s.sanity}")
    extra.append(f"Gold {s.gold}")
    scores = Table.grid(padding=(0, 1))
    items = list(view.scores.items())
    per_row = 3 if s.system == "d20" else 4
    for _ in range(per_row):
        scores.add_column(justify="left")
    for i in range(0, len(items), per_row):
        row = []
        for name, value in items[i : i + per_row]:
            cell = Text.assemble((name.upper(), "bold"), f" {value}")
            if s.system == "d20":
                mod = (value - 10) // 2
                cell.append(f" {mod:+d}", "dim")
            row.append(cell)
        scores.add_row(*row)
    conditions = (
        Text("Conditions: " + ", ".join(sorted(s.conditions)), style="italic red")
        if s.conditions
        else Text("No conditions.", style="dim")
    )
    parts = [title, hp, Text("  ".join(extra)), scores, conditions]
    if s.system == "percentile" and s.skills:
        skills = Text("Skills: ", style="bold")
        skills.append(", ".join(f"{k} {v}%" for k, v in best_skills(s.skills)), style="")
        parts.append(skills)
    return Group(*parts)


def best_skills(skills: dict[str, int], count: int = 8) -> list[tuple[str, int]]:
    """The highest skills by name as people write them ("Spot Hidden", not spot_hidden),
    each once (a sheet may hold both spellings)."""
    best: dict[str, tuple[str, int]] = {}
    for name, value in skills.items():
        key = name.replace("_", " ").strip().lower()
        shown = name.replace("_", " ").strip()
        shown = shown[:1].upper() + shown[1:]
        if key not in best or value > best[key][1]:
            best[key] = (shown, value)
    return sorted(best.values(), key=lambda kv: (-kv[1], kv[0]))[:count]


def pack_renderable(view: PlayView) -> Group:
    lines: list[Text] = []
    if not view.inventory:
        lines.append(Text("You carry nothing.", style="dim"))
    for item in view.inventory:
        t = Text("• " + item.name)
        if item.count > 1:
            t.append(f" ×{item.count}")
        if item.equipped:
            t.append(" (equipped)", "dim")
        lines.append(t)
    lines.append(Text.assemble(("Gold ", "bold"), str(view.sheet.gold)))
    if view.items_here:
        lines.append(Text(""))
        lines.append(Text("Lying here:", style="bold"))
        for item in view.items_here:
            lines.append(Text("• " + item.name + (f" ×{item.count}" if item.count > 1 else "")))
    return Group(*lines)


def quests_renderable(view: PlayView) -> Group:
    if not view.quests:
        return Group(Text("No quests yet.", style="dim"))
    lines: list[Text] = []
    for q in view.quests:
        if q.status == "done":
            lines.append(Text.assemble(("✓ ", "green"), (q.title, "strike dim")))
            continue
        lines.append(Text.assemble(("• ", "bold"), (q.title, "bold")))
        lines.append(Text("  " + q.stage))
        for description, done in q.objectives:
            mark = ("☑ ", "green") if done else ("☐ ", "")
            lines.append(Text.assemble("  ", mark, (description, "dim" if done else "")))
    return Group(*lines)


def place_renderable(view: PlayView) -> Group:
    lines: list[Text] = [Text(view.location_name, style="bold")]
    if view.exits:
        for ex in view.exits:
            t = Text.assemble(("  " + ex.direction, "bold"), " → ", ex.name)
            if ex.locked:
                t.append(" (locked)", "red")
            lines.append(t)
    else:
        lines.append(Text("  No way out.", style="dim"))
    if view.people:
        names = [p.name + (" (defeated)" if p.defeated else "") for p in view.people]
        lines.append(Text.assemble(("Here: ", "bold"), ", ".join(names)))
    return Group(*lines)


class SidePanel(Vertical):
    """Four tabs; F2 shows or hides the panel, F4 moves to the next tab."""

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="tab-sheet", id="panel-tabs"):
            with TabPane("Sheet", id="tab-sheet"), VerticalScroll():
                yield Static(id="panel-sheet")
            with TabPane("Pack", id="tab-pack"), VerticalScroll():
                yield Static(id="panel-pack")
            with TabPane("Quests", id="tab-quests"), VerticalScroll():
                yield Static(id="panel-quests")
            with TabPane("Map", id="tab-map"), VerticalScroll():
                yield Static(id="panel-place")
                with ScrollableContainer(id="map-scroll"):
                    yield Static(id="panel-map", markup=False)

    @property
    def active(self) -> str:
        return self.query_one("#panel-tabs", TabbedContent).active

    def show(self, view: PlayView) -> None:
        self.query_one("#panel-sheet", Static).update(sheet_renderable(view))
        self.query_one("#panel-pack", Static).update(pack_renderable(view))
        self.query_one("#panel-quests", Static).update(quests_renderable(view))
        self.query_one("#panel-place", Static).update(place_renderable(view))
        self.query_one("#panel-map", Static).update(Text(view.map_text, no_wrap=True))

    def next_tab(self) -> None:
        tabs = self.query_one("#panel-tabs", TabbedContent)
        current = tabs.active if tabs.active in TABS else TABS[0]
        tabs.active = TABS[(TABS.index(current) + 1) % len(TABS)]
