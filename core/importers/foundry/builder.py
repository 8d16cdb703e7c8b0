"""Collect documents from any storage form into one :class:`FoundrySource`.

Every reader hands its raw dicts to :class:`SourceBuilder` with what it knows
(the document type from a key, collection or manifest; the pack; the versions
to fall back on). The builder tells the rest from the shape, flattens Adventure
documents (the Adventure itself is not kept), keeps the story documents and
counts the others per collection.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from storyai.core.importers.errors import ImportRefused, SourceLocked
from storyai.core.importers.foundry.doctypes import (
    ADVENTURE_COLLECTIONS,
    KEPT,
    document_for_collection,
    infer_document,
    not_imported,
)
from storyai.core.importers.foundry.documents import FoundryDoc, FoundrySource
from storyai.core.importers.foundry.hierarchy import LeftOut, assemble
from storyai.core.importers.foundry.leveldb import looks_like_leveldb, read_leveldb
from storyai.core.importers.foundry.nedb import read_nedb
from storyai.core.importers.foundry.versions import Versions, doc_versions, summary
from storyai.core.importers.plan import Skipped

UNKNOWN_TYPE = (
    "the document type can't be told (no _key, and its fields fit no Actor, Item, "
    "JournalEntry, Scene, RollTable or Folder)"
)


class SourceBuilder:
    """Accumulates documents, skips and warnings; :meth:`finish` makes the FoundrySource."""

    def __init__(self, path: Path, kind: str, *, title: str = "", versions: Versions | None = None):
        self.source = FoundrySource(path=str(path), kind=kind, title=title)
        self.versions = versions or Versions()
        self._seen: list[Versions] = []
        self._not_imported: Counter[tuple[str, str]] = Counter()
        self._unsure = 0
        """Documents kept that may hold NaN or infinity (not read by orjson)."""

    # -- single documents ---------------------------------------------------

    def add(
        self,
        data: Any,
        *,
        origin: str,
        where: str,
        pack: str = "",
        document: str = "",
        fallback: Versions | None = None,
        folder_file: bool = False,
        finite: bool = False,
    ) -> None:
        """One primary document; ``where`` groups documents that are not imported;
        ``finite``: read by orjson (see ``FoundrySource.finite``)."""
        if not isinstance(data, dict):
            self.skip(origin, f"not a Foundry document (a JSON {_json_kind(data)})")
            return
        document = document or infer_document(data, folder_file=folder_file)
        if not document:
            self.skip(_named(origin, data), UNKNOWN_TYPE)
            return
        versions = doc_versions(data, fallback or self.versions)
        if document == "Adventure":
            self._flatten(data, origin=origin, pack=pack, versions=versions, finite=finite)
            return
        if document not in KEPT:
            self._not_imported[(where, document)] += 1
            return
        self._seen.append(versions)
        self._unsure += not finite
        self.source.docs.append(
            FoundryDoc(
                document=document,
                data=data,
                origin=origin,
                pack=pack,
                core_version=versions.core,
                system_id=versions.system_id,
                system_version=versions.system_version,
            )
        )

    def _flatten(
        self,
        adventure: dict[str, Any],
        *,
        origin: str,
        pack: str,
        versions: Versions,
        finite: bool = False,
    ) -> None:
        """Each document the Adventure holds, as an ordinary document of its pack."""
        name = adventure.get("name") if isinstance(adventure.get("name"), str) else "?"
        where = f"{origin} (adventure: {name})"
        if any(
            isinstance(adventure.get(k), str) and adventure[k] for k in ("description", "caption")
        ):
            self.skip(where, "the adventure's own description is not imported; its documents are")
        if not self.source.title:
            self.source.title = name
        for collection in ADVENTURE_COLLECTIONS:
            children = adventure.get(collection)
            if not isinstance(children, list):
                continue
            for number, child in enumerate(children, 1):
                self.add(
                    child,
                    origin=f"{where} {collection}[{number}]",
                    where=where,
                    pack=pack,
                    document=document_for_collection(collection),
                    fallback=versions,
                    finite=finite,
                )

    # -- whole packs --------------------------------------------------------

    def add_pack(
        self,
        path: Path,
        label: str,
        *,
        pack: str = "",
        document: str = "",
        fallback: Versions | None = None,
        strict: bool = False,
    ) -> bool:
        """An NeDB file or LevelDB folder; problems refuse (``strict``) or skip it."""
        try:
            if path.is_dir():
                if not looks_like_leveldb(path):
                    raise ImportRefused(
                        f"{label}: a folder, but not a LevelDB pack (no CURRENT, MANIFEST "
                        "or .ldb/.log files in it)"
                    )
                self.add_leveldb(path, label, pack=pack, fallback=fallback)
            else:
                self.add_nedb(path, label, pack=pack, document=document, fallback=fallback)
        except SourceLocked:
            raise
        except ImportRefused as exc:
            if strict:
                raise
            self.skip(label, exc.message.removeprefix(f"{label}: "))
            return False
        return True

    def add_nedb(
        self, path: Path, label: str, *, pack: str, document: str, fallback: Versions | None
    ) -> None:
        nedb = read_nedb(path, label)
        self.source.skipped.extend(nedb.skipped)
        for number, data in nedb.docs:
            self.add(
                data,
                origin=f"{label}:{number}",
                where=label,
                pack=pack,
                document=document,
                fallback=fallback,
                finite=nedb.finite,
            )

    def add_leveldb(self, path: Path, label: str, *, pack: str, fallback: Versions | None) -> None:
        contents = read_leveldb(path)
        self.source.warnings.extend(contents.warnings)
        assembled = assemble(contents.items, label)
        self.source.warnings.extend(assembled.warnings)
        damaged = bool(contents.warnings)  # the reader skipped unreadable data
        for group in assembled.left_out:
            self.skip(label, left_out_reason(group, damaged=damaged))
        for primary in assembled.docs:
            document = document_for_collection(primary.collection)
            if not document:
                self._not_imported[(label, primary.collection.capitalize())] += 1
                continue
            self.add(
                primary.data,
                origin=f"{label}:{primary.key}",
                where=label,
                pack=pack,
                document=document,
                fallback=fallback,
            )

    def count_not_imported(self, where: str, document: str, count: int) -> None:
        if count:
            self._not_imported[(where, document)] += count

    # -- reports ------------------------------------------------------------

    @property
    def recognised(self) -> int:
        """Documents of a known type read so far, imported or not."""
        return len(self.source.docs) + sum(self._not_imported.values())

    def skip(self, origin: str, reason: str) -> None:
        self.source.skipped.append(Skipped(origin, reason))

    def warn(self, message: str) -> None:
        if message not in self.source.warnings:
            self.source.warnings.append(message)

    def finish(self) -> FoundrySource:
        for (where, document), count in self._not_imported.items():
            self.skip(*not_imported(document, count, where))
        overall = self.versions.under(summary(self._seen)) if self._seen else self.versions
        self.source.core_version = overall.core
        self.source.system_id = overall.system_id
        self.source.system_version = overall.system_version
        self.source.finite = bool(self.source.docs) and not self._unsure
        return self.source


_PARENT_NOUNS = {"journal": "journal entry", "delta": "token delta", "tables": "roll table"}


def left_out_reason(group: LeftOut, *, damaged: bool) -> str:
    """``43 embedded items of 6 actors whose records could not be read (damaged data)``."""
    last = group.parent.rsplit(".", 1)[-1]
    parent = _PARENT_NOUNS.get(last) or (last[:-1] if last.endswith("s") else last)
    parents = f"{group.parents} {parent}" + ("s" if group.parents != 1 else "")
    noun = group.embedded if group.count != 1 else group.embedded.rstrip("s")
    what = f"{group.count} embedded {noun}"
    if group.why == "unread":
        cause = "damaged data" if damaged else "missing from the data"
        whose = "whose record" if group.parents == 1 else "whose records"
        return f"{what} of {parents} {whose} could not be read ({cause}); not imported"
    if group.why == "unlisted":
        return f"{what} that their {parent} does not list (left over from deletions); not imported"
    cause = "damaged data" if damaged else "not in the data"
    return f"{what} listed by {parents} could not be found ({cause}); imported without them"


def _named(origin: str, data: dict[str, Any]) -> str:
    name = data.get("name")
    return f"{origin} ({name})" if isinstance(name, str) and name else origin


def _json_kind(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )
