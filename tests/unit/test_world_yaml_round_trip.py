"""What `storyai world export` writes reads back as exactly what was exported.

Export and validation use libyaml when PyYAML has it; these properties hold for any
text an author or an importer can put in a world, whichever emitter and parser run.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from storyai.core.worlds.export import to_yaml
from storyai.core.worlds.yamlsource import load_yaml_text

KEYS = st.text(min_size=1, max_size=12)
SCALARS = st.one_of(
    st.text(),
    st.text(alphabet=" \n\t#:-|>'\"abc\u00e9\u2028\x85", max_size=30),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


def _world(notes: Any) -> dict[str, Any]:
    return {"world": {"id": "w", "title": "W", "version": "1.0.0"}, "notes": notes}


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_an_export_reads_back_unchanged(notes: Any) -> None:
    content = _world(notes)
    loaded = load_yaml_text(to_yaml(content), "world.yaml")
    assert loaded.problems == []
    assert loaded.data == content


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=6))
def test_positions_are_those_of_the_reference_parser(notes: dict[str, Any]) -> None:
    """file:line:column in messages match PyYAML's pure-Python parser, key by key."""
    text = to_yaml(_world(notes))
    loaded = load_yaml_text(text, "world.yaml")
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    notes_node = next(v for k, v in root.value if k.value == "notes")
    for key_node, value_node in notes_node.value:
        key = key_node.value  # keys are text: exported quoted when they would read otherwise
        where = loaded.source.keys[("notes", key)]
        assert (where.line, where.column) == (
            key_node.start_mark.line + 1,
            key_node.start_mark.column + 1,
        )
        value = loaded.source.values[("notes", key)]
        assert (value.line, value.column) == (
            value_node.start_mark.line + 1,
            value_node.start_mark.column + 1,
        )
