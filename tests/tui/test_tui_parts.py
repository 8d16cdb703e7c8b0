"""The TUI's pure parts: completion, the state view, the turn tree's layout, rendering."""

from __future__ import annotations

import playing
import pytest
from rich.console import Console
from rich.text import Text

from storyai.core.domain.events import Line
from storyai.core.engine.intent import parse
from storyai.core.play.history import TurnNode
from storyai.core.views import player_view
from storyai.tui.completion import COMMON_VERBS, Vocabulary, completions
from storyai.tui.render import line_renderable, shorten, speaker_colour
from storyai.tui.screens.history import runs, turn_label
from storyai.tui.screens.play import past_turns

VOCAB = Vocabulary(
    exits=["north", "Mine Road", "west", "The Banked Coal"],
    items_here=["Emberstone", "Iron Key"],
    carried=["Longsword", "Healing Draught"],
    people=["Reeve Hesta", "Wolf"],
    topics={"reeve hesta": ["mine", "goblins"]},
)


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("ta", "take"),
        ("talk", "talk to"),
        ("go ", "go north"),
        ("go m", "go Mine Road"),
        ("go the b", "go The Banked Coal"),
        ("take e", "take Emberstone"),
        ("pick up i", "pick up Iron Key"),
        ("talk to r", "talk to Reeve Hesta"),
        ("attack w", "attack Wolf"),
        ("use h", "use Healing Draught"),
        ("ask r", "ask Reeve Hesta about "),
        ("ask Reeve Hesta about g", "ask Reeve Hesta about goblins"),
        ("drop long", "drop Longsword"),
        ("examine key", "examine Iron Key"),
    ],
)
def test_completion(typed: str, first: str) -> None:
    assert completions(typed, VOCAB)[0] == first


def test_nothing_to_complete() -> None:
    assert completions("", VOCAB) == []
    assert completions("go north", VOCAB) == []  # already whole
    assert completions("sing loudly", VOCAB) == []
    assert completions("inventory", VOCAB) == []


def test_every_offered_verb_is_understood_by_the_parser() -> None:
    for verb in COMMON_VERBS:
        assert parse(verb + " wolf").verb != "say", verb


async def test_view_of_a_new_story(memory_uow) -> None:
    start = await playing.start_session(
        memory_uow, "ember_hollow", player_name="Wren", archetype="scout", seed=3
    )
    world = await playing.session_world(memory_uow, start.session_id)
    view = player_view(start.state, world)
    assert view.location.name == "Village Square"
    assert {e.direction for e in view.location.exits} == {"north", "south", "east", "west"}
    assert [p.name for p in view.location.people] == ["Reeve Hesta"]
    assert [i.name for i in view.location.items] == ["Emberstone"]
    assert view.sheet.archetype == "Scout" and view.inventory.items
    assert any(q.status == "active" for q in view.quests)
    assert "*Village" in view.map_text  # here, marked
    vocab = Vocabulary.from_view(view)
    assert "Reeve Hesta" in vocab.people and "Mine Road" in vocab.exits


def _node(eid: str, parent: str | None, turn: int, *, active=False, branches=(), children=()):
    return TurnNode(
        eid,
        parent,
        turn,
        "Wren",
        f"act {eid}",
        f"told {eid}",
        on_active_line=active,
        branches=list(branches),
        children=list(children),
    )


def test_turn_tree_runs_follow_the_active_line() -> None:
    # a - b - c (main)
    #      \- d - e (active branch-2)
    nodes = [
        _node("a", None, 0, active=True, children=["b"]),
        _node("b", "a", 1, active=True, children=["c", "d"]),
        _node("c", "b", 2, branches=["main"]),
        _node("d", "b", 2, active=True, children=["e"]),
        _node("e", "d", 3, active=True, branches=["branch-2"]),
    ]
    [run] = runs(nodes)
    assert [n.event_id for n in run.nodes] == ["a", "b", "d", "e"]
    assert [[n.event_id for n in fork.nodes] for fork in run.forks["b"]] == [["c"]]


def test_turn_label_marks_here_and_branches() -> None:
    node = _node("e", "d", 3, active=True, branches=["branch-2"])
    label = turn_label(node, "branch-2", "e").plain
    assert label.startswith("▶ T3") and "⎇ branch-2" in label and "act e" in label


def test_past_turns_pair_inputs_with_what_was_told() -> None:
    from datetime import UTC, datetime

    from storyai.core.domain.events import Narration, PlayerAction, StateChanged
    from storyai.core.domain.records import EventRecord

    def record(event) -> EventRecord:
        return EventRecord("x", "s", None, 1, 1, 0, "p", event, datetime.now(UTC))

    told = Narration(lines=(Line("narration", "Hi."),))
    events = [
        record(told),
        record(PlayerAction(text="look")),
        record(StateChanged()),
        record(told),
    ]
    assert past_turns(events) == [
        (None, [Line("narration", "Hi.")]),
        ("look", [Line("narration", "Hi.")]),
    ]
    assert len(past_turns(events, limit=1)) == 1
    # an action stored but never told (the app stopped while telling it) comes last
    untold = [*events, record(PlayerAction(text="go north"))]
    assert past_turns(untold)[-1] == ("go north", [])


def test_lines_render_without_reading_markup() -> None:
    console = Console(width=60, record=True, file=None, force_terminal=False)
    with console.capture() as captured:
        console.print(line_renderable(Line("dialogue", "[b]hi[/b]", "[red]Bo[/]")))
        console.print(line_renderable(Line("dice", "1d20 [7] + 2")))
        console.print(line_renderable(Line("narration", "A *dark* [link=x]room[/link].")))
    out = captured.get()
    assert "[red]Bo[/]: [b]hi[/b]" in out
    assert "🎲 1d20 [7] + 2" in out
    assert "A dark [link=x]room[/link]." in out  # Markdown emphasis, but no console markup
    rendered = line_renderable(Line("dialogue", "x", "Hesta"))
    assert isinstance(rendered, Text)
    assert rendered.spans[0].style == f"bold {speaker_colour('Hesta')}"


def test_shorten() -> None:
    assert shorten("short", 10) == "short"
    assert shorten("one two three four five", 14) == "one two three…"
    assert len(shorten("x" * 50, 10)) == 10


async def test_the_sheet_tab_draws_a_percentile_investigator(memory_uow) -> None:
    from storyai.tui.widgets.side_panel import sheet_renderable
    from storyai.tui.widgets.status import status_text

    start = await playing.start_session(
        memory_uow, "halvard_relay", player_name="Ines", archetype="inspector", seed=3
    )
    world = await playing.session_world(memory_uow, start.session_id)
    view = player_view(start.state, world)
    console = Console(width=40, record=True, file=None, force_terminal=False)
    with console.capture() as captured:
        console.print(sheet_renderable(view))
    sheet = captured.get()
    assert sheet.splitlines()[0] == "Ines  Combine Inspector"  # no level in percentile
    assert "Armor 0  Credits 200" in sheet and "POW " in sheet and "EDU " in sheet
    flowing = " ".join(sheet.split())
    assert "Skills: " in flowing and "Spot Hidden 60%" in flowing
    assert "⚔ Unarmed strike 50%" in flowing
    status = status_text(view).plain
    assert "HP " in status and "Armor 0" in status and "AC" not in status
