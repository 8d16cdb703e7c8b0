"""Foundry documents -> an ImportPlan of world entries.

Actors become characters (dnd5e and pf2e with full stat blocks, other systems
through a generic mapping), items become items or lore, journal pages and roll
tables become lore, scenes become locations; folders become tags. Every entry
keeps its original document in ``source.raw``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from storyai.core.domain.world import Character, Item, Location, LoreEntry, WorldMap
from storyai.core.gcpause import paused_gc
from storyai.core.importers.foundry.actors_dnd5e import dnd5e_actor, looks_like_dnd5e
from storyai.core.importers.foundry.actors_generic import (
    PC_TYPES,
    generic_actor,
    generic_warnings,
)
from storyai.core.importers.foundry.actors_pf2e import looks_like_pf2e, pf2e_actor
from storyai.core.importers.foundry.attacks_dnd5e import weapon_kind
from storyai.core.importers.foundry.convert_common import (
    Context,
    Made,
    clip_name,
    embedded,
    plain_name,
    system_data,
    uuid_of,
)
from storyai.core.importers.foundry.documents import DOCUMENT_NAMES, FoundryDoc, FoundrySource
from storyai.core.importers.foundry.items import PHYSICAL_TYPES, item_entries
from storyai.core.importers.foundry.journal import (
    doc_visibility,
    journal_lore,
    page_visibility,
    table_lore,
)
from storyai.core.importers.foundry.scenes import scene_entries
from storyai.core.importers.html_text import forget_renders, html_to_markdown
from storyai.core.importers.plan import Entry, ImportPlan

MODELS: dict[str, type[BaseModel]] = {
    "characters": Character,
    "items": Item,
    "lore": LoreEntry,
    "maps": WorldMap,
    "locations": Location,
}
ORDER = {"Folder": 0, "Item": 1, "Actor": 2, "JournalEntry": 3, "RollTable": 4, "Scene": 5}
NOT_IMPORTED = {
    "Macro": "macros are scripts; they are not imported",
    "Playlist": "playlists are audio; they are not imported",
    "Cards": "card decks are not imported",
    "Combat": "combat encounters in progress are not imported",
    "ChatMessage": "the chat log is not imported",
    "Setting": "world settings are not imported",
    "User": "user accounts are not imported",
    "FogExploration": "fog of war is not imported",
}
GROUP_ACTORS = {
    "group": "a group of other actors",
    "encounter": "an encounter list of other actors",
    "party": "a party of other actors",
    "loot": "a loot pile, not a character",
    "army": "an army of other actors",
}


def plan_from_foundry(source: FoundrySource) -> ImportPlan:
    """Convert everything read from one Foundry path; nothing is written."""
    forget_renders()
    try:
        with paused_gc():
            return _plan(source)
    finally:
        forget_renders()


def _plan(source: FoundrySource) -> ImportPlan:
    plan = ImportPlan(
        source=source.path,
        kind=source.kind,
        title=plain_name(source.title),
        system=source.system_id,
        raws_finite=source.finite,
    )
    if source.description:
        plan.description = html_to_markdown(source.description).text[:5_000]
    plan.skipped.extend(source.skipped)
    for warning in source.warnings:
        plan.warn(warning)
    ctx = Context(source, plan)
    docs = _expand_adventures(source.docs, plan)
    _index(docs, ctx)
    for doc in sorted(docs, key=lambda d: ORDER.get(d.document, 9)):
        if not isinstance(doc.data, dict):
            plan.skip(str(doc.origin), f"{doc.document}: not a document (no fields)")
            continue
        try:
            made = _convert(doc, ctx)
        except Exception as err:  # one odd document must not stop the import
            plan.skip(ctx.origin(doc), f"could not be converted ({type(err).__name__}: {err})")
            continue
        if not made:
            continue
        owner: Entry | None = None
        facts = _DocFacts(ctx, doc)
        for index, one in enumerate(made):
            added = _add(one, doc, ctx, facts, first=index == 0, owner=owner)
            if index == 0 and added is not None and added.section == "characters":
                owner = added
            elif one.carried and added is not None and owner is not None:
                owner.data.setdefault("inventory", []).append(added.id)
    generic_warnings(ctx)
    return plan


def _convert(doc: FoundryDoc, ctx: Context) -> list[Made]:
    kind = doc.document
    if kind == "Folder":
        return []
    if kind == "Actor":
        return _actor(doc, ctx)
    if kind == "Item":
        return item_entries(doc, ctx)
    if kind == "JournalEntry":
        return journal_lore(doc, ctx)
    if kind == "RollTable":
        return table_lore(doc, ctx)
    if kind == "Scene":
        return scene_entries(doc, ctx)
    reason = NOT_IMPORTED.get(kind, f"{kind} documents are not imported")
    ctx.plan.skip(ctx.origin(doc), reason)
    return []


def _actor(doc: FoundryDoc, ctx: Context) -> list[Made]:
    actor_type = str(doc.data.get("type") or "")
    if actor_type in GROUP_ACTORS:
        ctx.plan.skip(ctx.origin(doc), GROUP_ACTORS[actor_type])
        return []
    system = ctx.system_of(doc)
    fields = system_data(doc.data)
    if system == "dnd5e" or (not system and looks_like_dnd5e(fields)):
        data = dnd5e_actor(doc, ctx)
    elif system == "pf2e" or (not system and looks_like_pf2e(fields)):
        data = pf2e_actor(doc, ctx)
    else:
        data = generic_actor(doc, ctx, system or "unknown system")
    if data.get("stats") is None:
        data.pop("stats", None)
    kind = actor_type if actor_type in ("npc", "character") else "creature"
    made = [Made("characters", data, kind)]
    if actor_type in PC_TYPES:
        attacks = (data.get("stats") or {}).get("attacks") or []
        made += _carried(doc, ctx, {str(a.get("name")) for a in attacks if isinstance(a, dict)})
    return made


def _carried(doc: FoundryDoc, ctx: Context, attacks: set[str]) -> list[Made]:
    """A player character's gear as world items, listed in the character's inventory.

    (A monster's weapons are its attacks, so only characters get an inventory.) Each
    item's source points into the actor (``....Actor.<a>.Item.<i>``) without a raw
    copy: the actor's raw document already holds it.
    """
    made: list[Made] = []
    for number, item in enumerate(embedded(doc.data, "items")):
        if item.get("type") not in PHYSICAL_TYPES:
            continue  # rules text: in the character's description
        if weapon_kind(system_data(item)) == "natural":
            _natural_weapon(doc, item, ctx, attacks)
            continue
        item_id = item.get("_id")
        suffix = f".Item.{item_id}" if isinstance(item_id, str) and item_id else f"#item{number}"
        child = FoundryDoc(
            document="Item",
            data=item,
            origin=doc.origin,
            pack=doc.pack,
            core_version=doc.core_version,
            system_id=doc.system_id or ctx.system_of(doc),
            system_version=doc.system_version,
        )
        made += item_entries(child, ctx, suffix=suffix, carried=True)
    return made


def _natural_weapon(doc: FoundryDoc, item: dict[str, Any], ctx: Context, attacks: set[str]) -> None:
    """Fists, claws and bites are part of the body, not gear: said in the report, with
    where the attack went."""
    name = clip_name(item.get("name"), "unnamed weapon")
    origin = f"{ctx.origin(doc)} > carried item '{name}'"
    if str(item.get("name") or "Attack") in attacks:
        ctx.plan.skip(
            origin, "a natural weapon, not gear to carry: it is an attack in the stat block"
        )
    else:
        ctx.plan.skip(
            origin, "a natural weapon, not gear to carry (it has no attack the stat block can use)"
        )


class _DocFacts:
    """What every entry made from one document shares (a journal's pages, an actor and
    its gear): its folder tags, its ``source`` and where it was read, worked out once."""

    def __init__(self, ctx: Context, doc: FoundryDoc) -> None:
        self.tags = ctx.folder_tags(doc)
        self.source = ctx.source_info(doc)
        self.origin = ctx.origin(doc)


def _add(
    made: Made,
    doc: FoundryDoc,
    ctx: Context,
    facts: _DocFacts,
    *,
    first: bool,
    owner: Entry | None = None,
) -> Entry | None:
    """Validate one entry, give it an id and add it; ``None`` when it does not fit."""
    data = made.data
    name_key = "title" if made.section == "lore" else "name"
    data[name_key] = clip_name(data.get(name_key), f"Unnamed {doc.document}")
    tags = [*facts.tags, *(plain_name(t) for t in data.get("tags", []))]
    data["tags"] = list(dict.fromkeys(t for t in tags if t))
    if isinstance(data.get("keywords"), list):
        words = (plain_name(w) for w in data["keywords"])
        data["keywords"] = list(dict.fromkeys(w for w in words if w))
    source = dict(facts.source)  # the raw document once: the first entry keeps it
    source["raw"] = source["raw"] if first else None
    source["ref"] = (source["ref"] + made.ref_suffix)[:500]
    data["source"] = source
    origin = facts.origin
    if made.carried:
        origin = f"{origin} > carried item '{data[name_key]}'"
    try:
        MODELS[made.section].model_validate(data)
    except ValidationError as err:
        problem = err.errors()[0]
        where = ".".join(str(p) for p in problem.get("loc", ()))
        ctx.plan.skip(origin, f"does not fit the world format ({where}: {problem.get('msg')})")
        return None
    id_name = f"{owner.id} {data[name_key]}" if made.carried and owner else data[name_key]
    entry_id = made.entry_id or ctx.ids.take(
        made.section, id_name, fallback=made.section.rstrip("s")
    )
    if (
        made.section == "characters"
        and doc.document == "Actor"
        and isinstance(doc.data.get("_id"), str)
    ):
        ctx.actor_ids.setdefault(doc.data["_id"], entry_id)
    return ctx.plan.add(Entry(made.section, entry_id, data, origin, made.kind))


def _index(docs: list[FoundryDoc], ctx: Context) -> None:
    """Folders, and every document's name by id and UUID, for tags and links in text."""
    for doc in docs:
        data = doc.data if isinstance(doc.data, dict) else {}
        name = data.get("name")
        doc_id = data.get("_id")
        if doc.document == "Folder" and isinstance(doc_id, str):
            parent = data.get("folder") or data.get("parent")
            ctx.folders[doc_id] = (
                plain_name(name) or "folder",
                parent if isinstance(parent, str) else None,
            )
            continue
        if doc.document == "Actor" and isinstance(doc_id, str):
            ctx.actor_docs.setdefault(doc_id, doc)
        if doc.document == "JournalEntry":
            _index_visibility(doc, ctx)
        if not isinstance(name, str):
            continue
        name = plain_name(name)
        if isinstance(doc_id, str):
            ctx.names.setdefault(doc_id, name)
        uuid = uuid_of(doc)
        ctx.names.setdefault(uuid, name)
        for child_key in ("items", "pages", "results"):
            for child in embedded(data, child_key):
                child_id, child_name = child.get("_id"), child.get("name")
                if isinstance(child_id, str) and isinstance(child_name, str):
                    child_name = plain_name(child_name)
                    ctx.names.setdefault(child_id, child_name)
                    if child_key == "pages":
                        ctx.pages.setdefault(child_id, (name, child_name))


def _index_visibility(doc: FoundryDoc, ctx: Context) -> None:
    """Which journal entries and pages become GM-only lore (map notes must not leak them)."""
    data = doc.data if isinstance(doc.data, dict) else {}
    seen = doc_visibility(doc, ctx)
    doc_id = data.get("_id")
    if seen == "gm-only":
        ctx.gm_only.add(uuid_of(doc))
        if isinstance(doc_id, str):
            ctx.gm_only.add(doc_id)
    for page in embedded(data, "pages"):
        page_id = page.get("_id")
        if isinstance(page_id, str) and page_visibility(page, seen) == "gm-only":
            ctx.gm_only.add(page_id)


def _expand_adventures(docs: list[FoundryDoc], plan: ImportPlan) -> list[FoundryDoc]:
    """Adventure documents hold whole collections inline: read them as documents."""
    out: list[FoundryDoc] = []
    for doc in docs:
        if doc.document != "Adventure" or not isinstance(doc.data, dict):
            out.append(doc)
            continue
        title = clip_name(doc.data.get("name"), "adventure")
        for key, value in doc.data.items():
            if key not in DOCUMENT_NAMES or not isinstance(value, list):
                continue
            for child in value:
                if isinstance(child, dict):
                    out.append(_child(doc, DOCUMENT_NAMES[key], child, title))
        if not any(isinstance(v, list) and v for k, v in doc.data.items() if k in DOCUMENT_NAMES):
            plan.skip(f"{doc.origin}: {title} (Adventure)", "empty adventure")
    return out


def _child(doc: FoundryDoc, document: str, data: dict[str, Any], title: str) -> FoundryDoc:
    return FoundryDoc(
        document=document,
        data=data,
        origin=f"{doc.origin} > {title}",
        core_version=doc.core_version,
        system_id=doc.system_id,
        system_version=doc.system_version,
    )
