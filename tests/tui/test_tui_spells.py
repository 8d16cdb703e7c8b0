"""The TUI's sheet tab shows a caster's spells and spell slots."""

from __future__ import annotations

import re

import playing
from rich.console import Console

from storyai.core.views import player_view
from storyai.tui.completion import Vocabulary, completions
from storyai.tui.widgets.side_panel import sheet_renderable


async def test_the_sheet_tab_lists_the_hedge_wizards_spells_and_slots(memory_uow) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Ash", archetype="hedge_wizard", seed=3
    )
    sid = start.session_id
    await playing.take_turn(memory_uow, sid, "go north")
    cast = await playing.take_turn(memory_uow, sid, "cast sleep")
    world = await playing.session_world(memory_uow, sid)
    console = Console(width=60, record=True, file=None, force_terminal=False)
    with console.capture() as captured:
        console.print(sheet_renderable(player_view(cast.state, world)))
    flowing = " ".join(captured.get().split())
    assert "1st-level slots 1/2" in flowing  # sleep spent one of two
    assert re.search(r"✦ Fire Bolt cantrip: \+\d to hit, 1d10 fire", flowing), flowing
    assert "✦ Sleep 1st: 5d8 HP of foes, unconscious" in flowing
    assert "✦ Magic Missile 1st: 3d4+3 force" in flowing


async def test_a_fighter_has_no_spell_lines(memory_uow) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Bo", archetype="sellsword", seed=3
    )
    world = await playing.session_world(memory_uow, start.session_id)
    console = Console(width=60, record=True, file=None, force_terminal=False)
    with console.capture() as captured:
        console.print(sheet_renderable(player_view(start.state, world)))
    assert "✦" not in captured.get() and "slots" not in captured.get()


def test_tab_completes_spells_and_then_their_targets() -> None:
    vocab = Vocabulary(people=["Wolf", "Reeve Hesta"], spells=["Fire Bolt", "Magic Missile"])
    assert completions("cast ", vocab) == ["cast Fire Bolt", "cast Magic Missile"]
    assert completions("cast mag", vocab) == ["cast Magic Missile"]
    assert completions("cast bolt", vocab) == ["cast Fire Bolt"]
    assert completions("cast Fire Bolt at w", vocab) == ["cast Fire Bolt at Wolf"]
