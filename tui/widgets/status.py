"""One line that is always visible: who, how hurt, where, which turn."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from storyai.core.views import PlayerView
from storyai.tui.render import hp_bar


def status_text(view: PlayerView, world_title: str = "", branch: str = "") -> Text:
    s = view.sheet
    hp = s.hp
    parts: list[tuple[str, str] | Text | str] = []
    if view.ending:  # first, so a narrow line never cuts it off
        parts.append(("✦ The end  ", "bold yellow"))
    parts.append((s.name, "bold"))
    parts += [f"  {hp.label} ", hp_bar(hp.current, hp.maximum or hp.current, 8), f" {hp.amount}"]
    parts += ["  ⌂ ", (view.location.name, "bold")]
    if s.conditions:
        parts.append(("  " + ", ".join(s.conditions), "italic red"))
    if view.in_combat:
        fight = f"round {view.combat_round}" if view.combat_round else "combat"
        parts.append((f"  ⚔ {fight}", "bold red"))
    parts.append(f"  {s.defence.label} {s.defence.value}")
    parts.append((f"  turn {view.turn}", "dim"))
    if branch and branch != "main":
        parts.append((f"  ⎇ {branch}", "dim"))
    return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")


class StatusLine(Static):
    def show(self, view: PlayerView, branch: str = "") -> None:
        self.update(status_text(view, branch=branch))
