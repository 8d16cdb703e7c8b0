"""One line that is always visible: who, how hurt, where, which turn."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from storyai.tui.render import hp_bar
from storyai.tui.view import PlayView


def status_text(view: PlayView, world_title: str = "", branch: str = "") -> Text:
    s = view.sheet
    parts: list[tuple[str, str] | Text | str] = [(s.name, "bold")]
    parts += ["  HP ", hp_bar(s.hp, s.max_hp, 8), f" {s.hp}/{s.max_hp}"]
    parts += ["  ⌂ ", (view.location_name, "bold")]
    if s.conditions:
        parts.append(("  " + ", ".join(sorted(s.conditions)), "italic red"))
    if view.in_combat:
        parts.append(("  ⚔ combat", "bold red"))
    parts.append(f"  AC {s.ac}" if s.system == "d20" else f"  Armor {s.armor}")
    parts.append((f"  turn {view.turn}", "dim"))
    if branch and branch != "main":
        parts.append((f"  ⎇ {branch}", "dim"))
    return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")


class StatusLine(Static):
    def show(self, view: PlayView, branch: str = "") -> None:
        self.update(status_text(view, branch=branch))
