"""The side panel: a fight's turn order (during a fight), character sheet, pack, quest
log, and where you are with a map."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical, VerticalScroll
from textual.widgets import Input, Static, TabbedContent, TabPane

from storyai.core.companion.service import CompanionPanel
from storyai.core.views import PlayerView, Resource
from storyai.tui.render import hp_bar

TABS = ("tab-sheet", "tab-pack", "tab-quests", "tab-map", "tab-companion")
SKILLS_SHOWN = 8
"""How many skills the sheet tab lists (the rules put the most telling first)."""


def sheet_renderable(view: PlayerView) -> Group:
    s = view.sheet
    title = Text.assemble((s.name, "bold"))
    if s.level is not None:
        title.append(f"  level {s.level}", "dim")
    if s.archetype:
        title.append(f"  {s.archetype}", "dim")
    hp = s.hp
    hp_line = Text.assemble(f"{hp.label} ", hp_bar(hp.current, hp.maximum or hp.current, 12))
    hp_line.append(f" {hp.amount}")
    if hp.temporary:
        hp_line.append(f" (+{hp.temporary})", "cyan")
    numbers = [f"{s.defence.label} {s.defence.value}"]
    numbers += [f"{stat.label} {stat.value}" for stat in s.stats]
    numbers.append(f"{s.currency_label} {s.gold}")
    parts: list[RenderableType] = [title, hp_line, Text("  ".join(numbers))]
    if s.other_resources:
        parts.append(Text("  ".join(_resource(r) for r in s.other_resources)))
    scores = Table.grid(padding=(0, 1))
    per_row = max(1, s.scores_per_row)
    for _ in range(per_row):
        scores.add_column(justify="left")
    for i in range(0, len(s.scores), per_row):
        row = []
        for score in s.scores[i : i + per_row]:
            cell = Text.assemble((score.label, "bold"), f" {score.value}")
            if score.modifier is not None:
                cell.append(f" {score.modifier:+d}", "dim")
            row.append(cell)
        scores.add_row(*row)
    parts.append(scores)
    parts.append(
        Text("Conditions: " + ", ".join(s.conditions), style="italic red")
        if s.conditions
        else Text("No conditions.", style="dim")
    )
    for label, text in s.standing:
        parts.append(Text.assemble((f"{label}: ", "bold"), text))
    if s.features:
        parts.append(Text.assemble(("Features: ", "bold"), ", ".join(f.name for f in s.features)))
    if s.skills:
        skills = Text(f"{s.skill_label}: ", style="bold")
        shown = s.skills[:SKILLS_SHOWN]
        skills.append(", ".join(f"{k.label} {k.text}" for k in shown), style="")
        parts.append(skills)
    for attack in s.attacks:
        parts.append(
            Text.assemble(("⚔ ", "bold"), f"{attack.name} {attack.chance}, {attack.damage}")
        )
    for spell in s.spells:
        line = Text.assemble(("✦ ", "bold"), spell.name, (f" {spell.level_label}", "dim"))
        if spell.cost:
            line.append(f" {spell.cost}", "dim")
        line.append(f": {spell.effect}")
        if spell.concentrating:
            line.append(" (concentrating)", "italic cyan")
        parts.append(line)
    return Group(*parts)


def _resource(r: Resource) -> str:
    text = f"{r.label} {r.amount}"
    return f"{text} ({r.note})" if r.note else text


def pack_renderable(view: PlayerView) -> Group:
    pack = view.inventory
    lines: list[Text] = []
    if not pack.items:
        lines.append(Text("You carry nothing.", style="dim"))
    for item in pack.items:
        t = Text("• " + item.name)
        if item.count > 1:
            t.append(f" ×{item.count}")
        if item.equipped:
            t.append(" (equipped)", "dim")
        lines.append(t)
    lines.append(
        Text.assemble(
            (f"{pack.currency_label} ", "bold"), str(pack.gold), "  ", ("Load ", "bold"), pack.load
        )
    )
    here = view.location.items
    if here:
        lines.append(Text(""))
        lines.append(Text("Lying here:", style="bold"))
        for item in here:
            lines.append(Text("• " + item.name + (f" ×{item.count}" if item.count > 1 else "")))
    return Group(*lines)


def quests_renderable(view: PlayerView) -> Group:
    if not view.quests:
        return Group(Text("No quests yet.", style="dim"))
    lines: list[RenderableType] = []
    for q in view.quests:
        if q.status == "done":
            lines.append(Text.assemble(("✓ ", "green"), (q.title, "strike dim")))
            continue
        lines.append(Text.assemble(("• ", "bold"), (q.title, "bold")))
        lines.append(Padding(Text(q.stage), (0, 0, 0, 2)))
        for objective in q.objectives:
            mark = ("☑ ", "green") if objective.done else ("☐ ", "")
            line = Text.assemble(mark, (objective.description, "dim" if objective.done else ""))
            if objective.optional:
                line.append(" (optional)", "dim italic")
            lines.append(Padding(line, (0, 0, 0, 2)))
    return Group(*lines)


def place_renderable(view: PlayerView) -> Group:
    place = view.location
    lines: list[Text] = [Text(place.name, style="bold")]
    if place.exits:
        for ex in place.exits:
            t = Text.assemble(("  " + ex.direction, "bold"), " → ", ex.name)
            if ex.locked:
                t.append(" (locked)", "red")
            lines.append(t)
    else:
        lines.append(Text("  No way out.", style="dim"))
    if place.people:
        names = [p.name + (" (defeated)" if p.defeated else "") for p in place.people]
        lines.append(Text.assemble(("Here: ", "bold"), ", ".join(names)))
    return Group(*lines)


def fight_renderable(view: PlayerView) -> Text:
    """The fight's turn order, highest initiative first: whose go it is marked ▶,
    those out of the fight struck through. Empty out of a fight."""
    if not view.turn_order:
        return Text()
    head = f"⚔ Round {view.combat_round}" if view.combat_round else "⚔ Fight"
    lines = Text.assemble((head, "bold red"), (" · turn order", "dim"))
    for slot in view.turn_order:
        name = f"{slot.name} (you)" if slot.you else slot.name
        score = f" {slot.initiative}" if slot.initiative is not None else ""
        style = "strike dim" if slot.out else ("bold" if slot.next else "")
        lines.append("\n")
        lines.append("▶ " if slot.next and not slot.out else "  ", "bold yellow")
        lines.append(name, style)
        lines.append(score, "dim")
        if slot.next and not slot.out:
            lines.append("  next", "italic yellow")
    return lines


def companion_renderable(panel: CompanionPanel, answer: Text | None = None) -> Group:
    lines: list[RenderableType] = [Text(panel.companion, style="bold")]
    if panel.personality:
        lines.append(Text(panel.personality, style="italic dim"))
    hearts = min(panel.bond, 10)
    bond = Text.assemble(("Bond ", "bold"), ("♥" * hearts, "red"), ("♡" * (10 - hearts), "dim"))
    bond.append(f" {panel.bond} remembered")
    lines.append(bond)
    lines.append(Text.assemble(("Speaks first: ", "bold"), panel.remarks_setting))
    if answer is not None:
        lines += [Text(""), answer]
    lines += [Text(""), Text("Last remarks", style="bold")]
    if not panel.remarks:
        lines.append(Text("Nothing said unasked yet.", style="dim"))
    for turn, text in panel.remarks:
        lines.append(Text.assemble((f"turn {turn}: ", "dim"), text))
    if panel.asked:
        lines += [Text(""), Text("You asked", style="bold")]
        lines += [Text("• " + text.removeprefix("You asked me about ")) for text in panel.asked]
    return Group(*lines)


class SidePanel(Vertical):
    """Five tabs; F2 shows or hides the panel, F4 moves to the next tab. The companion's
    tab has its own line to ask it (Enter), answered in the tab, taking no turn."""

    answer: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="panel-fight")
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
            with TabPane("Aria", id="tab-companion"):
                with VerticalScroll():
                    yield Static(id="panel-companion")
                yield Input(placeholder="Ask your companion…", id="companion-ask", compact=True)

    @property
    def active(self) -> str:
        return self.query_one("#panel-tabs", TabbedContent).active

    def show(self, view: PlayerView) -> None:
        fight = self.query_one("#panel-fight", Static)
        fight.display = bool(view.turn_order)
        fight.update(fight_renderable(view))
        self.query_one("#panel-sheet", Static).update(sheet_renderable(view))
        self.query_one("#panel-pack", Static).update(pack_renderable(view))
        self.query_one("#panel-quests", Static).update(quests_renderable(view))
        self.query_one("#panel-place", Static).update(place_renderable(view))
        self.query_one("#panel-map", Static).update(Text(view.map_text, no_wrap=True))

    def show_companion(self, panel: CompanionPanel) -> None:
        tab = self.query_one("#panel-tabs", TabbedContent).get_tab("tab-companion")
        if tab.label_text != panel.companion:
            tab.label = panel.companion
        self.query_one("#panel-companion", Static).update(companion_renderable(panel, self.answer))

    def next_tab(self) -> None:
        tabs = self.query_one("#panel-tabs", TabbedContent)
        current = tabs.active if tabs.active in TABS else TABS[0]
        tabs.active = TABS[(TABS.index(current) + 1) % len(TABS)]
