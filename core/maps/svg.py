"""A map view drawn as plain SVG text: deterministic (same view, same bytes), no library.

Each sheet is drawn under its title, one below the other: a box per place (the party's
place ringed and marked), a line per way, a locked way drawn dashed with a bar across,
and ways to another sheet listed under it.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from storyai.core.maps.view import MapSheet, MapView

CELL_W, CELL_H = 150, 90
BOX_W, BOX_H = 120, 44
MARGIN = 20
TITLE_H = 36
LINK_H = 18


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _label(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def sheet_size(sheet: MapSheet) -> tuple[int, int, int, int]:
    """(min x, min y, columns, rows) of a sheet's grid."""
    xs = [p.x for p in sheet.places] or [0]
    ys = [p.y for p in sheet.places] or [0]
    return min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1


def render_svg(view: MapView) -> str:
    parts: list[str] = []
    width, top = 2 * MARGIN + BOX_W, MARGIN
    for sheet in view.sheets:
        min_x, min_y, cols, rows = sheet_size(sheet)
        width = max(width, 2 * MARGIN + (cols - 1) * CELL_W + BOX_W)
        parts.append(
            f'<g class="sheet" id="sheet-{_attr(sheet.id)}">'
            f'<text class="title" x="{MARGIN}" y="{top + 22}">{escape(sheet.name)}</text>'
        )
        origin_y = top + TITLE_H

        centres = {
            p.id: (
                MARGIN + (p.x - min_x) * CELL_W + BOX_W // 2,
                origin_y + (p.y - min_y) * CELL_H + BOX_H // 2,
            )
            for p in sheet.places
        }

        for door in sorted(sheet.doors, key=lambda d: (d.locked, d.a, d.b)):
            (x1, y1), (x2, y2) = centres[door.a], centres[door.b]
            cls = "way locked" if door.locked else "way"
            parts.append(
                f'<line class="{cls}" data-from="{_attr(door.a)}" data-to="{_attr(door.b)}" '
                f'x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>'
            )
            if door.locked:
                mx, my = (x1 + x2) // 2, (y1 + y2) // 2
                parts.append(
                    f'<rect class="lock" x="{mx - 6}" y="{my - 6}" width="12" height="12">'
                    "<title>locked</title></rect>"
                )
        for place in sheet.places:
            cx, cy = centres[place.id]
            x, y = cx - BOX_W // 2, cy - BOX_H // 2
            cls = "place here" if place.here else "place"
            parts.append(
                f'<g class="{cls}" id="place-{_attr(place.id)}">'
                f"<title>{escape(place.name)}"
                f"{' (' + escape(place.region) + ')' if place.region else ''}</title>"
                f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>'
                f'<text x="{cx}" y="{cy + 5}">{escape(_label(place.name))}</text>'
            )
            if place.here:
                parts.append(f'<circle class="party" cx="{x + BOX_W - 8}" cy="{y + 8}" r="6"/>')
            parts.append("</g>")
        top = origin_y + (rows - 1) * CELL_H + BOX_H + MARGIN
        for link in sheet.links:
            name = next((p.name for p in sheet.places if p.id == link.place), link.place)
            lock = " (locked)" if link.locked else ""
            parts.append(
                f'<text class="link" x="{MARGIN}" y="{top + 12}">'
                f"{escape(name)} —{escape(link.direction)}{lock}→ "
                f"{escape(link.to_name)} ({escape(link.to_sheet_name)})</text>"
            )
            top += LINK_H
        parts.append("</g>")
        top += MARGIN
    if not view.sheets:
        parts.append(
            f'<text class="title" x="{MARGIN}" y="{MARGIN + 22}">(nothing known yet)</text>'
        )
        top += TITLE_H
    height = top + MARGIN
    head = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">\n'
        f"<title>{escape(view.title)}</title>\n"
        "<style>"
        "svg{background:#f7f1e3;font-family:sans-serif}"
        ".title{font-size:18px;font-weight:bold;fill:#3b2f2f}"
        ".place rect{fill:#fffaf0;stroke:#5a4632;stroke-width:2}"
        ".place.here rect{fill:#fde9b8;stroke:#b0431a;stroke-width:3}"
        ".place text{font-size:12px;text-anchor:middle;fill:#2b2118}"
        ".way{stroke:#5a4632;stroke-width:3}"
        ".way.locked{stroke:#9b1c1c;stroke-dasharray:6 4}"
        ".lock{fill:#9b1c1c}"
        ".party{fill:#b0431a}"
        ".link{font-size:12px;fill:#5a4632}"
        "</style>\n"
    )
    return head + "\n".join(parts) + "\n</svg>\n"
