"""A map view as a PNG, with Pillow if it is installed (``pip install storyai[maps]``).

Drawn from the same geometry as the SVG; without Pillow, ``png_available()`` is false
and callers fall back to the SVG."""

from __future__ import annotations

import io
from importlib.util import find_spec

from storyai.core.domain.errors import UsageError
from storyai.core.maps.svg import BOX_H, BOX_W, CELL_H, CELL_W, LINK_H, MARGIN, TITLE_H, sheet_size
from storyai.core.maps.view import MapView

PARTY = (176, 67, 26)
LOCKED = (155, 28, 28)
INK = (90, 70, 50)
PAPER = (247, 241, 227)


def png_available() -> bool:
    return find_spec("PIL") is not None


def render_png(view: MapView) -> bytes:
    if not png_available():
        raise UsageError(
            "PNG maps need Pillow, which is not installed",
            hint="pip install 'storyai[maps]', or ask for SVG (--format svg)",
        )
    from PIL import Image, ImageDraw

    width, height = 2 * MARGIN + BOX_W, MARGIN
    for sheet in view.sheets:
        _, _, cols, rows = sheet_size(sheet)
        width = max(width, 2 * MARGIN + (cols - 1) * CELL_W + BOX_W)
        height += TITLE_H + (rows - 1) * CELL_H + BOX_H + 2 * MARGIN + LINK_H * len(sheet.links)
    height = max(height, 2 * MARGIN + TITLE_H) + MARGIN
    image = Image.new("RGB", (width, height), PAPER)
    pen = ImageDraw.Draw(image)
    top = MARGIN
    if not view.sheets:
        pen.text((MARGIN, top + 8), "(nothing known yet)", fill=INK)
    for sheet in view.sheets:
        min_x, min_y, _, rows = sheet_size(sheet)
        pen.text((MARGIN, top + 8), sheet.name, fill=INK)
        oy = top + TITLE_H
        centre = {
            p.id: (
                MARGIN + (p.x - min_x) * CELL_W + BOX_W // 2,
                oy + (p.y - min_y) * CELL_H + BOX_H // 2,
            )
            for p in sheet.places
        }
        for door in sorted(sheet.doors, key=lambda d: d.locked):
            a, b = centre[door.a], centre[door.b]
            pen.line([a, b], fill=LOCKED if door.locked else INK, width=3)
            if door.locked:
                mx, my = (a[0] + b[0]) // 2, (a[1] + b[1]) // 2
                pen.rectangle([mx - 6, my - 6, mx + 6, my + 6], fill=LOCKED)
        for place in sheet.places:
            cx, cy = centre[place.id]
            box = [cx - BOX_W // 2, cy - BOX_H // 2, cx + BOX_W // 2, cy + BOX_H // 2]
            pen.rectangle(
                box,
                fill=(253, 233, 184) if place.here else (255, 250, 240),
                outline=PARTY if place.here else INK,
                width=3 if place.here else 2,
            )
            pen.text((box[0] + 6, cy - 6), place.name[:18], fill=(43, 33, 24))
            if place.here:
                pen.ellipse([box[2] - 14, box[1] + 2, box[2] - 2, box[1] + 14], fill=PARTY)
        top = oy + (rows - 1) * CELL_H + BOX_H + MARGIN
        for link in sheet.links:
            pen.text(
                (MARGIN, top),
                f"{link.place} -{link.direction}-> {link.to_name} ({link.to_sheet_name})",
                fill=INK,
            )
            top += LINK_H
        top += MARGIN
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
