"""HTML to Markdown for imported rich text (Foundry pages, card notes).

Standard library only. The input is untrusted: scripts, styles, frames and
embeds vanish with their contents, attributes other than a link's ``href`` and
an image's ``alt`` are ignored, malformed markup never raises, and the output
never contains an HTML tag. Foundry ``<section class="secret">`` blocks are
kept apart as :attr:`HtmlText.secret`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

from storyai.core.importers.foundry.enrichers import Rolls, forget_templates, replace_enrichers

DROPPED = frozenset(
    {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"}
    | {"head", "title", "frame", "frameset", "applet", "audio", "video", "canvas", "select"}
)
VOID = frozenset(
    {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "source", "wbr"}
    | {"embed", "param", "track", "keygen"}
)
BLOCK = frozenset(
    {"p", "div", "section", "article", "header", "footer", "aside", "main", "nav", "figure"}
    | {"figcaption", "details", "summary", "ul", "ol", "li", "blockquote", "pre", "table"}
    | {"hr", "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "address", "fieldset"}
    | {"form", "center", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "body", "html"}
)
MAX_DEPTH = 100
FENCE = "`" * 3
_SPACES = re.compile(r"\s+")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_STRAY_LEAD = re.compile(r"^[.,;:](?=\s|$)\s*")
"""A lone mark opening a line: what is left of ``[[/attack]]. Hit: ...`` when the roll
showed nothing."""


@dataclass
class HtmlText:
    """Markdown text, and the Foundry GM-only secret sections apart from it."""

    text: str
    secret: str = ""


def html_to_markdown(
    html: str,
    *,
    resolve: Callable[[str], str | None] | None = None,
    name: str | None = None,
    enrich: bool = True,
    rolls: Rolls | None = None,
) -> HtmlText:
    """Markdown for ``html``. Foundry enrichers become words (``resolve`` names linked ids;
    ``name`` is the document's own name for ``[[lookup @name]]``; ``rolls`` reads rolls
    such as ``[[/save]]`` from the document's own data); ``enrich=False`` skips them."""
    if not isinstance(html, str) or not html.strip():
        return HtmlText("")
    if enrich:
        html = replace_enrichers(html, resolve, name, rolls)
    return HtmlText(*_render(html))


def forget_renders() -> None:
    """Drop the rendered texts (and texts read for enrichers) kept so far: each
    conversion starts afresh, and a long-running app does not keep an import's texts."""
    _render.cache_clear()
    forget_templates()


@lru_cache(maxsize=2048)
def _render(html: str) -> tuple[str, str]:
    """(text, secret) of HTML with no enrichers left: a pure function of the text, so a
    description that many documents share (a spell every caster embeds, an NPC's
    "Multiattack") is parsed once per import."""
    root = _parse(html)
    renderer = _Renderer()
    text = _tidy("\n\n".join(renderer.blocks(root)))
    secret = _tidy("\n\n".join(renderer.secrets))
    return text, secret


def plain_text(text: str) -> str:
    """Markdown (or plain) text with any HTML removed, line breaks kept."""
    if not isinstance(text, str):
        return ""
    parser = _Stripper()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # html.parser is lenient; this is a last resort
        return _TAG_START.sub("&lt;", text)
    return _tidy("".join(parser.out), collapse=False)


# --------------------------------------------------------------------- parse


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving tree: stray end tags are ignored, unclosed tags close at the end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack: list[_Node] = [self.root]
        self.dropping = 0  # depth inside a dropped element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.dropping:
            if tag in DROPPED and tag not in VOID:
                self.dropping += 1
            return
        if tag in DROPPED:
            if tag not in VOID:
                self.dropping = 1
            return
        keep = {k: v or "" for k, v in attrs if k in ("href", "alt", "class")}
        node = _Node(tag, keep)
        if tag in ("p", "li", "tr", "td", "th", "dt", "dd"):
            self._close_implied(tag)
        if len(self.stack) > MAX_DEPTH:  # flatten absurd nesting instead of recursing
            node.tag = "span" if tag not in VOID else tag
            self.stack[-1].children.append(node)
            return
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and not self.dropping and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.dropping:
            if tag in DROPPED:
                self.dropping -= 1
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not self.dropping and data:
            self.stack[-1].children.append(data)

    def _close_implied(self, tag: str) -> None:
        """``<p>a<p>b``: a new paragraph (or item, row, cell) closes the open one."""
        stops = {"li": ("ul", "ol"), "tr": ("table",), "td": ("tr",), "th": ("tr",)}.get(
            tag, ("div", "section", "blockquote", "li", "td", "th")
        )
        for i in range(len(self.stack) - 1, 0, -1):
            current = self.stack[i].tag
            if current in stops:
                return
            if current == tag or (tag in ("td", "th") and current in ("td", "th")):
                del self.stack[i:]
                return
            if tag == "p" and current not in ("span", "em", "strong", "b", "i", "a", "font"):
                return


def _parse(html: str) -> _Node:
    builder = _TreeBuilder()
    try:
        builder.feed(html)
        builder.close()
    except Exception:  # never let odd markup stop an import; keep what was parsed
        pass
    return builder.root


class _Stripper(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED and tag not in VOID:
            self.dropping += 1
        elif tag in ("br", "p", "div", "li", "tr") and not self.dropping:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED and self.dropping:
            self.dropping -= 1

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(data)


# -------------------------------------------------------------------- render


class _Renderer:
    def __init__(self) -> None:
        self.secrets: list[str] = []

    def blocks(self, node: _Node) -> list[str]:
        """The node's children as Markdown blocks (paragraphs, lists, headings ...)."""
        out: list[str] = []
        run: list[str] = []

        def flush() -> None:
            text = _clean_inline(_join_runs(run))
            if text:
                out.append(text)
            run.clear()

        for child in node.children:
            if isinstance(child, str):
                run.append(_SPACES.sub(" ", child))
            elif _is_secret(child):
                self.secrets.extend(self.blocks(child))
            elif child.tag in BLOCK:
                flush()
                out.extend(self.block(child))
            else:
                run.append(self.inline(child))
        flush()
        return out

    def block(self, node: _Node) -> list[str]:
        tag = node.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = " ".join(" ".join(self.blocks(node)).split())
            return [f"{'#' * int(tag[1])} {text}"] if text else []
        if tag == "hr":
            return ["---"]
        if tag in ("ul", "ol"):
            return self.list(node, ordered=tag == "ol")
        if tag == "blockquote":
            inner = "\n\n".join(self.blocks(node))
            return ["\n".join(f"> {line}".rstrip() for line in inner.split("\n"))] if inner else []
        if tag == "pre":
            code = _raw_text(node).strip("\n").replace(FENCE, "'''")
            return [f"{FENCE}\n{code}\n{FENCE}"] if code.strip() else []
        if tag == "table":
            return self.table(node)
        if tag == "dt":
            text = " ".join(self.blocks(node))
            return [f"**{text}**"] if text else []
        return self.blocks(node)

    def list(self, node: _Node, *, ordered: bool) -> list[str]:
        lines: list[str] = []
        number = 0
        for child in node.children:
            if isinstance(child, str):
                if child.strip():
                    lines.append(f"- {_clean_inline(child)}")
                continue
            if _is_secret(child):
                self.secrets.extend(self.blocks(child))
                continue
            if child.tag in ("ul", "ol"):  # a list nested straight in a list
                lines.extend("  " + line for b in self.block(child) for line in b.split("\n"))
                continue
            number += 1
            marker = f"{number}. " if ordered else "- "
            body = "\n".join(self.blocks(child) if child.tag == "li" else self.block(child))
            if not body.strip():
                continue
            indent = " " * len(marker)
            first, *rest = body.split("\n")
            lines.append(marker + first)
            lines.extend((indent + line) if line else "" for line in rest)
        return ["\n".join(lines)] if lines else []

    def table(self, node: _Node) -> list[str]:
        rows: list[list[str]] = []
        for row in _rows(node):
            cells = [
                " ".join(" ".join(self.blocks(cell)).split()).replace("|", "\\|")
                for cell in row.children
                if isinstance(cell, _Node) and cell.tag in ("td", "th")
            ]
            if any(cells):
                rows.append(cells)
        if not rows:
            return []
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return ["\n".join(lines)]

    def inline(self, node: _Node) -> str:
        tag = node.tag
        if tag == "br":
            return "\n"
        if tag == "img":
            alt = " ".join(node.attrs.get("alt", "").split())
            return f"(image: {alt})" if alt else ""
        if _is_secret(node):
            self.secrets.extend(self.blocks(node))
            return ""
        inner = _join_runs(
            _SPACES.sub(" ", c) if isinstance(c, str) else self.inline(c) for c in node.children
        )
        if tag in BLOCK:  # a block inside inline markup: keep it apart
            return f"\n{inner}\n"
        if tag in ("strong", "b"):
            return _wrap(inner, "**")
        if tag in ("em", "i", "cite"):
            return _wrap(inner, "*")
        if tag == "code":
            return _wrap(inner, "`")
        if tag == "a":
            return _link(inner, node.attrs.get("href", ""))
        return inner


def _is_secret(node: _Node) -> bool:
    return "secret" in node.attrs.get("class", "").split()


def _rows(node: _Node) -> list[_Node]:
    rows: list[_Node] = []
    for child in node.children:
        if isinstance(child, _Node):
            if child.tag == "tr":
                rows.append(child)
            elif child.tag in ("thead", "tbody", "tfoot"):
                rows.extend(_rows(child))
    return rows


def _raw_text(node: _Node) -> str:
    return "".join(c if isinstance(c, str) else _raw_text(c) for c in node.children)


def _join_runs(pieces: Iterable[str]) -> str:
    """Inline pieces joined so that emphasis runs side by side stay apart.

    ``<em>a:</em><strong>b</strong>`` would give ``*a:***b**``, which Markdown reads
    as one run of three markers; a space between them keeps both: ``*a:* **b**``.
    """
    out = ""
    for piece in pieces:
        if out.endswith(("*", "`")) and piece.startswith(("*", "`")):
            out += " "
        out += piece
    return out


def _wrap(inner: str, mark: str) -> str:
    core = inner.strip()
    if not core:
        return inner
    lead = " " if inner[:1].isspace() else ""
    trail = " " if inner[-1:].isspace() else ""
    return f"{lead}{mark}{core}{mark}{trail}"


def _link(text: str, href: str) -> str:
    url = href.strip().replace(" ", "%20")
    label = text.strip()
    if not re.match(r"^https?://[^\s<>\"]+$", url, re.IGNORECASE):
        return text
    url = url.replace("(", "%28").replace(")", "%29")
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    return f"{lead}[{label or url}]({url}){trail}"


def _clean_inline(text: str) -> str:
    lines = [_STRAY_LEAD.sub("", " ".join(line.split())) for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip()


def _tidy(text: str, *, collapse: bool = True) -> str:
    text = _TAG_START.sub("&lt;", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if collapse and not re.search(r"[A-Za-z0-9]", text):
        return ""  # only punctuation left, e.g. from dropped roll buttons
    return text
