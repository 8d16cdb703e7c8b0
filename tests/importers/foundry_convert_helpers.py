"""A tiny fixture loader for the Foundry converter tests (independent of the readers)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from storyai.core.domain.stats import D20StatBlock
from storyai.core.domain.world import Character, Item, Location, LoreEntry, WorldMap
from storyai.core.importers.foundry.convert import plan_from_foundry
from storyai.core.importers.foundry.documents import FoundryDoc, FoundrySource
from storyai.core.importers.plan import Entry, ImportPlan

MODELS: dict[str, type[BaseModel]] = {
    "characters": Character,
    "items": Item,
    "lore": LoreEntry,
    "maps": WorldMap,
    "locations": Location,
}


def file_doc(path: Path, document: str = "Actor", pack: str = "", **kw: Any) -> FoundryDoc:
    """One ``_source`` file (YAML or JSON) as a document."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) if path.suffix in (".yml", ".yaml") else json.loads(text)
    return FoundryDoc(document, data, str(path), pack=pack, **kw)


def nedb_docs(path: Path, document: str, pack: str) -> list[FoundryDoc]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        FoundryDoc(document, json.loads(line), f"{path}:{n}", pack=pack)
        for n, line in enumerate(lines, 1)
        if line.strip()
    ]


def leveldb_actors(folder: Path, tmp_path: Path, pack: str) -> list[FoundryDoc]:
    """Actors of a LevelDB pack (read from a copy), their items put inline."""
    import pytest

    plyvel = pytest.importorskip("plyvel")
    copy = tmp_path / "pack-copy"
    shutil.copytree(folder, copy)
    actors: dict[str, dict[str, Any]] = {}
    items: dict[str, dict[str, Any]] = {}
    db = plyvel.DB(str(copy), create_if_missing=False)
    try:
        for key, value in db:
            name = key.decode()
            if name.startswith("!actors!"):
                doc = json.loads(value)
                actors[doc["_id"]] = doc
            elif name.startswith("!actors.items!"):
                items[name.split("!")[2]] = json.loads(value)
    finally:
        db.close()
    for actor in actors.values():
        actor["items"] = [items[f"{actor['_id']}.{i}"] for i in actor.get("items", [])]
    return [
        FoundryDoc("Actor", a, f"{folder.name}:{i}", pack=pack)
        for i, a in enumerate(actors.values())
    ]


def convert(docs: list[FoundryDoc], **kw: Any) -> ImportPlan:
    source = FoundrySource(
        path=kw.pop("path", "test"), kind=kw.pop("kind", "test"), docs=docs, **kw
    )
    return plan_from_foundry(source)


def entry(plan: ImportPlan, name: str, section: str | None = None) -> Entry:
    """The first entry with this name (or lore title)."""
    for found in plan.entries:
        label = found.data.get("name", found.data.get("title"))
        if label == name and (section is None or found.section == section):
            return found
    raise AssertionError(f"no entry named {name!r}: {[e.id for e in plan.entries]}")


def stats(plan: ImportPlan, name: str) -> D20StatBlock:
    data = entry(plan, name, "characters").data
    assert data.get("stats"), f"{name} has no stat block; warnings: {plan.warnings}"
    return D20StatBlock.model_validate(data["stats"])


def assert_all_valid(plan: ImportPlan) -> None:
    for found in plan.entries:
        MODELS[found.section].model_validate(found.data)
        if found.section == "characters" and found.data.get("stats"):
            D20StatBlock.model_validate(found.data["stats"])
