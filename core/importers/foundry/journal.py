"""Journal entries and roll tables as lore, with Foundry's visibility kept."""

from __future__ import annotations

import re
from typing import Any

from storyai.core.importers.foundry.convert_common import (
    TEXT_LIMIT,
    Context,
    Made,
    clip,
    embedded,
    num,
    whole,
)
from storyai.core.importers.foundry.documents import FoundryDoc
from storyai.core.importers.foundry.enrichers import replace_enrichers
from storyai.core.importers.html_text import HtmlText, plain_text

OBSERVER = 2
LEVELS = {"INHERIT": -1, "NONE": 0, "LIMITED": 1, "OBSERVER": 2, "OWNER": 3}
MEDIA_PAGES = frozenset({"image", "pdf", "video"})
PART_LIMIT = TEXT_LIMIT - 200


def ownership_level(data: Any) -> int | None:
    """``ownership.default`` (v10+) or ``permission.default`` (before); ``None`` if absent."""
    if not isinstance(data, dict):
        return None
    for key in ("ownership", "permission"):
        found = data.get(key)
        if isinstance(found, dict) and "default" in found:
            return _level(found["default"])
    return None


def _level(value: Any) -> int | None:
    if isinstance(value, str) and value.upper() in LEVELS:
        return LEVELS[value.upper()]
    found = num(value)
    return int(found) if found is not None else None


def doc_visibility(doc: FoundryDoc, ctx: Context) -> str:
    """``gm-only`` when players may not observe the document.

    Compendium documents follow their pack's ownership (their own is a storage
    artefact); world documents follow ``ownership.default``, whose default is NONE.
    """
    if doc.pack:
        rules = ctx.source.pack_ownership.get(doc.pack)
        if rules is None:
            rules = ctx.source.pack_ownership.get(doc.pack.split(".")[-1])
        if not isinstance(rules, dict):
            return "public"
        if rules.get("private") is True:
            return "gm-only"
        level = _level(rules.get("PLAYER", rules.get("default")))
        return "gm-only" if level is not None and level < OBSERVER else "public"
    level = ownership_level(doc.data)
    return "public" if level is not None and level >= OBSERVER else "gm-only"


def page_visibility(page: dict[str, Any], entry: str) -> str:
    level = ownership_level(page)
    if level is None or level < 0:
        return entry
    return "public" if level >= OBSERVER else "gm-only"


def journal_lore(doc: FoundryDoc, ctx: Context) -> list[Made]:
    """Lore entries for a journal entry: one per text page (or one for ≤v9 ``content``)."""
    data = doc.data
    entry_name = str(data.get("name") or "Journal")
    visibility = doc_visibility(doc, ctx)
    pages = sorted(embedded(data, "pages"), key=lambda p: num(p.get("sort"), 0) or 0)
    if not pages:
        content = data.get("content")
        text = ctx.markdown(content, entry_name) if isinstance(content, str) else HtmlText("")
        if not text.text and not text.secret:
            ctx.plan.skip(ctx.origin(doc), "empty journal entry")
            return []
        return _entries(entry_name, [entry_name], text, visibility, "journal entry", "")
    made: list[Made] = []
    for page in pages:
        page_name = str(page.get("name") or "").strip()
        where = f"{ctx.origin(doc)} page '{page_name}'"
        ptype = str(page.get("type") or "text")
        if ptype in MEDIA_PAGES:
            ctx.plan.skip(where, f"{ptype} page: no text")
            continue
        text = page_text(page, ctx, page_name or entry_name)
        if not text.text and not text.secret:
            ctx.plan.skip(where, "empty page")
            continue
        single = len(pages) == 1 and (not page_name or page_name == entry_name)
        title = entry_name if single else f"{entry_name}: {page_name or 'page'}"
        keywords = [page_name, entry_name]
        pid = page.get("_id")
        suffix = f".JournalEntryPage.{pid}" if isinstance(pid, str) and pid else f"#page{len(made)}"
        seen = page_visibility(page, visibility)
        made += _entries(title, keywords, text, seen, "journal page", suffix)
    return made


def page_text(page: dict[str, Any], ctx: Context, name: str) -> HtmlText:
    text = page.get("text")
    if not isinstance(text, dict):
        return HtmlText("")
    content = text.get("content")
    markdown = text.get("markdown")
    if (not isinstance(content, str) or not content.strip()) and isinstance(markdown, str):
        return HtmlText(plain_text(replace_enrichers(markdown, ctx.resolve, name, markdown=True)))
    return ctx.markdown(content, name)


def _entries(
    title: str, keywords: list[str], text: HtmlText, visibility: str, kind: str, suffix: str
) -> list[Made]:
    words = list(dict.fromkeys(k.lower().strip() for k in keywords if k and k.strip()))
    words = words or [title.lower()]
    body = text.text
    if visibility == "gm-only" and text.secret:
        body = "\n\n".join(p for p in (body, "GM notes:\n\n" + text.secret) if p)
    made = [
        Made(
            "lore",
            {"title": t, "keywords": words, "text": chunk, "visibility": visibility},
            kind,
            suffix + (f"#part{i}" if i > 1 else ""),
        )
        for i, (t, chunk) in enumerate(_split(title, body), 1)
    ]
    if visibility == "public" and text.secret:
        for i, (t, chunk) in enumerate(_split(f"{title} (GM notes)", text.secret), 1):
            data = {"title": t, "keywords": words, "text": chunk, "visibility": "gm-only"}
            made.append(Made("lore", data, kind, f"{suffix}#gm" + (f"{i}" if i > 1 else "")))
    return made


def _split(title: str, text: str) -> list[tuple[str, str]]:
    """Text longer than a lore entry holds, cut at paragraphs into numbered parts."""
    if not text:
        return []
    if len(text) <= TEXT_LIMIT:
        return [(title, text)]
    chunks: list[str] = []
    current = ""
    for para in re.split(r"\n\n+", text):
        while len(para) > PART_LIMIT:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(para[:PART_LIMIT])
            para = para[PART_LIMIT:]
        if current and len(current) + len(para) + 2 > PART_LIMIT:
            chunks.append(current)
            current = para
        else:
            current = f"{current}\n\n{para}" if current else para
    if current:
        chunks.append(current)
    return [(f"{title} (part {i})", chunk) for i, chunk in enumerate(chunks, 1)]


def table_lore(doc: FoundryDoc, ctx: Context) -> list[Made]:
    """A roll table as one lore entry listing its results with their ranges."""
    data = doc.data
    name = str(data.get("name") or "Table")
    lines = []
    results = embedded(data, "results")
    results.sort(key=lambda r: _low(r) or 0)
    for result in results:
        text = _result_text(result, ctx, name)
        if not text:
            continue
        low, high = _low(result), _high(result)
        where = f"{low}–{high}" if low is not None and high not in (None, low) else f"{low}"
        lines.append(f"- {where}: {text}" if low is not None else f"- {text}")
    description = ctx.markdown(data.get("description"), name)
    formula = data.get("formula")
    head = [description.text] if description.text else []
    if isinstance(formula, str) and formula.strip():
        head.append(f"Roll {formula.strip()}.")
    body = "\n\n".join([*head, "\n".join(lines)]).strip()
    if not lines:
        ctx.plan.skip(ctx.origin(doc), "roll table without results")
        return []
    lore = {
        "title": name,
        "keywords": [name.lower()],
        "text": clip(body),
        "visibility": doc_visibility(doc, ctx),
    }
    return [Made("lore", lore, "table")]


def _low(result: dict[str, Any]) -> int | None:
    found = result.get("range")
    return whole(found[0]) if isinstance(found, list) and found else None


def _high(result: dict[str, Any]) -> int | None:
    found = result.get("range")
    return whole(found[-1]) if isinstance(found, list) and found else None


def _result_text(result: dict[str, Any], ctx: Context, table: str) -> str:
    for key in ("text", "name", "description"):
        value = result.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(ctx.markdown(value, table).text.split())
    linked = result.get("documentId") or result.get("resultId")
    if isinstance(linked, str):
        return ctx.resolve(linked) or ""
    return ""
