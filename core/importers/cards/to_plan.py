"""Turn a parsed card or lorebook into an ImportPlan.

A card becomes one character (kind ``npc``, unless the card's
``extensions.storyai`` says otherwise: see :mod:`storyai_ext`), one location it is met in (its
scenario, or a plain meeting place, so a card alone is a playable world) and
the lore of its embedded ``character_book``. A standalone lorebook becomes
lore only.
"""

from __future__ import annotations

from typing import Any

from storyai.core.importers.cards.characters import (
    VERSION_LABELS,
    card_fields,
    character_view,
    location_view,
    macro_name,
)
from storyai.core.importers.cards.lorebooks import (
    Book,
    LoreView,
    lore_view,
    read_card_book,
    read_worldinfo,
)
from storyai.core.importers.cards.parse import Detected
from storyai.core.importers.cards.storyai_ext import KEY, restore_extension
from storyai.core.importers.cards.text import as_text_list
from storyai.core.importers.plan import Entry, IdAllocator, ImportPlan

LOREBOOK_LABELS = {
    "lorebook_v3": "Lorebook V3",
    "character_book": "Character Book (lorebook JSON)",
    "worldinfo": "SillyTavern World Info",
}


def card_ref(name: str, creator: str) -> str:
    return f"card:{name[:120]}|{creator[:200]}"


def plan_from_card(detected: Detected, source: str, file: str, container: str) -> ImportPlan:
    """One character, the place it is met, and its embedded lore."""
    doc = detected.doc
    label = VERSION_LABELS[detected.kind]
    fields = card_fields(doc)
    stem = file.rsplit(".", 1)[0] if "." in file else file
    view = character_view(fields, stem)
    name = view.data["name"]
    plan = ImportPlan(source=source, kind=f"{label} ({container})", title=name)
    for warning in detected.warnings:
        plan.warn(warning)
    for note in view.notes:
        plan.warn(f"{file}: {note}")
    extensions = fields.get("extensions")
    restored, notes = restore_extension(
        extensions.get(KEY) if isinstance(extensions, dict) else None, name, file
    )
    for note in notes:
        plan.warn(note)
    ids = IdAllocator()
    char_id = ids.take("characters", name, fallback="character")
    ref = card_ref(name, view.creator)
    dialogue = {**view.data["dialogue"], **restored.pop("dialogue", {})}
    character = {
        **view.data,
        **restored,
        "dialogue": dialogue,
        "source": {"format": "card", "ref": ref, "file": file, "version": label, "raw": doc},
    }
    origin = f"{file}: {name} ({label})"
    plan.add(Entry("characters", char_id, character, origin, character["kind"]))
    location, kind = location_view(view, char_id)
    location["source"] = {"format": "card", "ref": f"{ref}#scene", "file": file, "version": label}
    loc_id = ids.take("locations", location["name"], fallback="scene")
    plan.add(Entry("locations", loc_id, location, f"{file}: {location['name']}", kind))
    plan.start_text = view.data["dialogue"]["greeting"] or f"You meet {name}."
    _note_unused(fields, file, plan)
    book = fields.get("character_book")
    if isinstance(book, dict):
        lore = read_card_book(book, name, file)
        char = macro_name(fields) or name
        add_book(plan, ids, lore, fmt="card", file=file, version=label, char=char)
    elif book is not None:
        plan.warn(f"{file}: 'character_book' is not a lorebook object, so no lore was imported")
    return plan


def _note_unused(fields: dict[str, Any], file: str, plan: ImportPlan) -> None:
    unused = [
        key
        for key in ("system_prompt", "post_history_instructions", "creator_notes")
        if isinstance(fields.get(key), str) and fields[key].strip()
    ]
    if unused:
        verb = "is" if len(unused) == 1 else "are"
        plan.warn(
            f"{file}: {', '.join(unused)} {verb} kept with the card (for export) "
            "but not used in play"
        )
    group = len(as_text_list(fields.get("group_only_greetings")) or [])
    if group:
        plan.warn(
            f"{file}: {group} group-only greeting{'s are' if group > 1 else ' is'} kept with "
            "the card (for export) but not used: they are for group chats"
        )


def plan_from_lorebook(detected: Detected, source: str, file: str) -> ImportPlan:
    """The lore of a ``lorebook_v3``, a bare ``character_book`` or SillyTavern World Info."""
    doc = detected.doc
    label = LOREBOOK_LABELS[detected.kind]
    stem = file.rsplit(".", 1)[0] if "." in file else file
    if detected.kind == "worldinfo":
        book, fmt = read_worldinfo(doc, stem, file), "worldinfo"
    else:
        data = doc["data"] if detected.kind == "lorebook_v3" else doc
        book, fmt = read_card_book(data, stem, file), "lorebook"
    plan = ImportPlan(source=source, kind=label, title=book.name)
    for warning in detected.warnings:
        plan.warn(warning)
    add_book(plan, IdAllocator(), book, fmt=fmt, file=file, version=label, char=None)
    if not book.entries and not book.bad:
        plan.warn(f"{file}: the lorebook has no entries")
    return plan


def add_book(
    plan: ImportPlan,
    ids: IdAllocator,
    book: Book,
    *,
    fmt: str,
    file: str,
    version: str,
    char: str | None,
) -> None:
    """Every entry of ``book`` as lore, or skipped with the reason."""
    regex, titled, cut, html = [], [], [], []
    selective = 0
    for ref_id, reason in book.bad:
        plan.skip(f"{file}: {book.name} #{ref_id}", reason)
    for entry in book.entries:
        origin = f"{file}: {book.name} #{entry.ref_id}" + (f" {entry.title}" if entry.title else "")
        view = lore_view(entry, book, char=char)
        if isinstance(view, str):
            plan.skip(origin, view)
            continue
        title = view.data["title"]
        _collect(view, title, regex, titled, cut, html)
        selective += view.selective
        source = {
            "format": fmt,
            "ref": f"{book.name}#{entry.ref_id}"[:500],
            "file": file,
            "version": version,
            "raw": entry.raw,
        }
        lore_id = ids.take("lore", title, fallback="lore")
        kind = "always-on lore" if entry.constant else "lore"
        plan.add(Entry("lore", lore_id, {**view.data, "source": source}, origin, kind))
    if selective:
        plan.warn(
            f"{file}: {book.name}: "
            + (
                f"{selective} selective entries trigger on their primary keys only"
                if selective > 1
                else "1 selective entry triggers on its primary keys only"
            )
            + " (secondary keys are kept for export)"
        )
    _warn_list(
        plan, file, regex, "had regular-expression keys, which were left out (kept for export)"
    )
    _warn_list(plan, file, titled, "had no plain keys, so their title is their keyword")
    _warn_list(plan, file, cut, "were cut to 20,000 characters (the source keeps it all)")
    _warn_list(plan, file, html, "had scripts, styles or event handlers removed")


def _collect(view: LoreView, title: str, *lists: list[str]) -> None:
    regex, titled, cut, html = lists
    if view.regex_dropped:
        regex.append(title)
    if view.title_keyword:
        titled.append(title)
    if view.cut:
        cut.append(title)
    if view.html:
        html.append(title)


def _warn_list(plan: ImportPlan, file: str, titles: list[str], what: str) -> None:
    if not titles:
        return
    shown = ", ".join(repr(t) for t in titles[:5])
    more = f" and {len(titles) - 5} more" if len(titles) > 5 else ""
    plan.warn(f"{file}: lore entries {shown}{more} {what}")
