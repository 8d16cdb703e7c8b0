"""Ability scores at character creation: a pool of values, arranged over the abilities.

d20 worlds: the pool is the standard array or six 4d6-drop-lowest rolls; each
ability has a drop-down of the pool, and picking a value another ability holds
swaps the two, so the six always use the pool exactly once. Percentile worlds
roll their characteristics in place (the dice differ per characteristic).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal
from textual.widget import Widget
from textual.widgets import Label, Select, Static


class ScoreTable(Widget):
    """Shows and arranges scores. ``scores`` is what the player ends up with."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.names: tuple[str, ...] = ()
        self.pool: list[int] = []
        self.assign: dict[str, int] = {}  # ability -> index into pool
        self.bonus: dict[str, int] = {}
        self.arrangeable = True

    def compose(self) -> ComposeResult:
        yield Grid(id="score-grid")

    @property
    def scores(self) -> dict[str, int]:
        return {name: self.pool[self.assign[name]] for name in self.names}

    async def show(
        self,
        names: tuple[str, ...],
        values: list[int],
        *,
        arrangeable: bool,
        bonus: dict[str, int] | None = None,
    ) -> None:
        """Put ``values`` on ``names`` in order; arrangeable: let the player swap them."""
        self.names, self.pool = names, list(values)
        self.assign = {name: i for i, name in enumerate(names)}
        self.bonus = bonus or {}
        self.arrangeable = arrangeable
        grid = self.query_one("#score-grid", Grid)
        await grid.remove_children()
        grid.set_class(not arrangeable, "-fixed")
        await grid.mount_all([self._cell(name) for name in names])

    def _cell(self, name: str) -> Widget:
        label = Label(name.upper(), classes="score-name")
        bonus = self.bonus.get(name, 0)
        extra = Label(_bonus_text(bonus), id=f"bonus-{name}", classes="score-bonus")
        if not self.arrangeable:
            value = Static(Text(str(self.pool[self.assign[name]]), style="bold"), classes="score")
            return Horizontal(label, value, extra, classes="score-cell")
        order = sorted(range(len(self.pool)), key=lambda i: (-self.pool[i], i))
        select: Select[int] = Select(
            [(str(self.pool[i]), i) for i in order],
            value=self.assign[name],
            allow_blank=False,
            compact=True,
            id=f"score-{name}",
            classes="score",
        )
        return Horizontal(label, select, extra, classes="score-cell")

    def set_bonus(self, bonus: dict[str, int]) -> None:
        """The archetype's bonuses, shown beside the scores they raise."""
        self.bonus = bonus
        for name in self.names:
            for label in self.query(f"#bonus-{name}").results(Label):
                label.update(_bonus_text(bonus.get(name, 0)))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        select = event.select
        name = (select.id or "").removeprefix("score-")
        if name not in self.assign or not isinstance(event.value, int):
            return
        new = event.value
        old = self.assign[name]
        if new == old:
            return
        other = next(n for n, i in self.assign.items() if i == new)
        self.assign[name], self.assign[other] = new, old
        other_select = self.query_one(f"#score-{other}", Select)
        with other_select.prevent(Select.Changed):
            other_select.value = old


def _bonus_text(bonus: int) -> Text:
    return Text(f"{bonus:+d}" if bonus else "", style="green")
