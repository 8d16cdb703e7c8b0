"""One JSON (or YAML) file holding Foundry documents, above all "Export Data" files.

Foundry's "Export Data" writes one world document without ``_id`` or ``sort``,
with ``_stats.exportSource`` (v13) or ``flags.exportSource`` (v12 and earlier)
saying which world, system and versions it came from. The file is named
``fvtt-<DocumentName>-<slug>-<id>.json``; the name only hints the type.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from storyai.core.importers.errors import ImportRefused
from storyai.core.importers.foundry.builder import SourceBuilder
from storyai.core.importers.foundry.doctypes import document_for_type
from storyai.core.importers.foundry.documents import FoundrySource
from storyai.core.importers.foundry.limits import BadDocument
from storyai.core.importers.foundry.sourcefiles import is_folder_file, read_source_file
from storyai.core.importers.foundry.versions import export_source, has_export_source

_EXPORT_NAME = re.compile(r"fvtt-([A-Za-z]+)-")

EXPECTED = (
    "expected a Foundry world folder (world.json), a system or module folder "
    "(system.json or module.json), a compendium pack (an NeDB .db file or a LevelDB "
    "folder), a foundryvtt-cli source folder (.json/.yml documents) or an Export Data "
    ".json file"
)


def read_document_file(path: Path, label: str) -> FoundrySource:
    """Every document in one JSON/YAML file; :class:`ImportRefused` if it holds none."""
    try:
        values = read_source_file(path, label)
    except BadDocument as exc:
        where = f" (line:column {exc.where})" if exc.where else ""
        raise ImportRefused(f"{label}: {exc.reason}{where}", hint=EXPECTED) from None
    dicts = [v for v in values if isinstance(v, dict)]
    first = dicts[0] if dicts else {}
    builder = SourceBuilder(path, _kind(first), versions=export_source(first))
    hint = _name_hint(path)
    single = len(values) == 1
    for number, value in enumerate(values, 1):
        builder.add(
            value,
            origin=label if single else f"{label}[{number}]",
            where=label,
            pack="",
            document=hint if single else "",
            folder_file=is_folder_file(path),
        )
    if not builder.recognised:
        raise ImportRefused(f"{label}: not a Foundry document; {EXPECTED}")
    source = builder.finish()
    if single and source.docs and not source.title:
        name = source.docs[0].data.get("name")
        source.title = name if isinstance(name, str) else ""
    return source


def _kind(first: dict[str, Any]) -> str:
    if has_export_source(first) or ("_id" not in first and "_key" not in first):
        return "Export Data JSON"
    if "_key" in first:
        return "foundryvtt-cli source file"
    return "Foundry document JSON"


def _name_hint(path: Path) -> str:
    match = _EXPORT_NAME.match(path.name)
    return document_for_type(match.group(1)) if match else ""
