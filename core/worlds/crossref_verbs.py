"""Checks for what players say and do in a location: phrases, scenery, `use X on Y`
interactions, and story-ending marks. Part of the cross-reference pass
(``storyai.core.worlds.crossref``), on the raw data, each issue with its path."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

Path_ = tuple[Any, ...]


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def verb_effects(data: dict[str, Any]) -> Iterator[tuple[Path_, dict[str, Any]]]:
    """The effects of every phrase and interaction, with their paths."""
    for n, entry in enumerate(_l(data.get("phrases"))):
        for i, e in enumerate(_l(_d(entry).get("effects"))):
            yield ("phrases", n, "effects", i), _d(e)
    for lid, loc in _d(data.get("locations")).items():
        for kind in ("phrases", "interactions"):
            for n, entry in enumerate(_l(_d(loc).get(kind))):
                for i, e in enumerate(_l(_d(entry).get("effects"))):
                    yield ("locations", lid, kind, n, "effects", i), _d(e)


def phrase_words(data: dict[str, Any]) -> set[str]:
    """Every word or phrase a phrase answers (as said: lower case, single spaces)."""
    entries = list(_l(data.get("phrases")))
    for loc in _d(data.get("locations")).values():
        entries += _l(_d(loc).get("phrases"))
    return {said(s) for e in entries for s in _l(_d(e).get("says")) if isinstance(s, str)}


def said(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("’", "'")))


def verb_conditions(data: dict[str, Any]) -> Iterator[tuple[Path_, Any]]:
    for n, entry in enumerate(_l(data.get("phrases"))):
        if "requires" in _d(entry):
            yield ("phrases", n, "requires"), _d(entry)["requires"]
    for lid, loc in _d(data.get("locations")).items():
        for kind in ("phrases", "interactions"):
            for n, entry in enumerate(_l(_d(loc).get(kind))):
                if "requires" in _d(entry):
                    yield ("locations", lid, kind, n, "requires"), _d(entry)["requires"]


def check_verbs(
    data: dict[str, Any],
    ref: Callable[[Path_, Any, str, str], bool],
    error: Callable[[Path_, str, str | None], None],
    warn: Callable[[Path_, str, str | None], None],
) -> None:
    """Interactions name a real item and a target here; phrases are not said twice in
    one place; an ending mark sits on something that does something."""
    characters = set(_d(data.get("characters")))
    items = set(_d(data.get("items")))
    for lid, loc in _d(data.get("locations")).items():
        loc = _d(loc)
        scenery = {k for k in _d(loc.get("scenery")) if isinstance(k, str)}
        for n, entry in enumerate(_l(loc.get("interactions"))):
            entry, path = _d(entry), ("locations", lid, "interactions", n)
            ref((*path, "item"), entry.get("item"), "items", "item")
            target = entry.get("target")
            if isinstance(target, str) and target not in scenery | characters | items:
                known = sorted(scenery) or ["(none)"]
                error(
                    (*path, "target"),
                    f"interaction target '{target}' is not scenery of '{lid}', "
                    "a character or an item",
                    f"scenery here: {', '.join(known)}; or add it under `scenery:`",
                )
            _check_ending(entry, path, warn)
        seen: dict[str, int] = {}
        for n, entry in enumerate(_l(loc.get("phrases"))):
            entry, path = _d(entry), ("locations", lid, "phrases", n)
            for i, said in enumerate(_l(entry.get("says"))):
                words = " ".join(str(said).lower().split())
                if words in seen:
                    warn(
                        (*path, "says", i),
                        f"'{said}' is also said by phrase {seen[words] + 1} of '{lid}'; "
                        "only the first one that holds answers",
                        None,
                    )
                seen.setdefault(words, n)
            _check_ending(entry, path, warn)
    for n, entry in enumerate(_l(data.get("phrases"))):
        _check_ending(_d(entry), ("phrases", n), warn)
    for cid, ch in _d(data.get("characters")).items():
        for tid, topic in _d(_d(_d(ch).get("dialogue")).get("topics")).items():
            _check_ending(_d(topic), ("characters", cid, "dialogue", "topics", tid), warn)


def _check_ending(entry: dict[str, Any], path: Path_, warn: Callable[..., None]) -> None:
    if entry.get("ends_story") is True and not _l(entry.get("effects")):
        warn(
            (*path, "ends_story"),
            "marked ends_story but has no effects, so it cannot end the story",
            "give it the effects that complete the main quest (a set_flag, usually), "
            "or remove ends_story",
        )
