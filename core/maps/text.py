"""A map view drawn in Unicode box characters, for the terminal (the TUI's map screen,
``storyai map show --text``): one grid per sheet, ``◆`` marks the party, ``╳`` a locked way."""

from __future__ import annotations

from storyai.core.maps.view import MapSheet, MapView

LABEL = 12


def render_text(view: MapView, *, label: int = LABEL) -> str:
    if not view.sheets:
        return "(nothing known yet)"
    return "\n\n".join(_sheet(sheet, label) for sheet in view.sheets)


def _sheet(sheet: MapSheet, label: int) -> str:
    xs = [p.x for p in sheet.places] or [0]
    ys = [p.y for p in sheet.places] or [0]
    min_x, min_y = min(xs), min(ys)
    cols, rows = max(xs) - min_x + 1, max(ys) - min_y + 1
    cell_w, gap = label + 2, 3
    width = cols * cell_w + (cols - 1) * gap
    canvas = [[" "] * width for _ in range(rows * 4 - 1)]

    def put(row: int, col: int, text: str) -> None:
        for i, ch in enumerate(text):
            if 0 <= row < len(canvas) and 0 <= col + i < width:
                canvas[row][col + i] = ch

    origin = {}
    for place in sheet.places:
        row, col = (place.y - min_y) * 4, (place.x - min_x) * (cell_w + gap)
        origin[place.id] = (place.x, place.y, row, col)
        name = ("◆" if place.here else "") + place.name
        name = name if len(name) <= label else name[: label - 1] + "…"
        put(row, col, "┌" + "─" * label + "┐")
        put(row + 1, col, "│" + name.center(label) + "│")
        put(row + 2, col, "└" + "─" * label + "┘")
    far = []
    for door in sorted(sheet.doors, key=lambda d: d.locked):
        ax, ay, arow, acol = origin[door.a]
        bx, by, brow, bcol = origin[door.b]
        if ay == by and abs(ax - bx) == 1:
            row, col = (arow, acol) if ax < bx else (brow, bcol)
            put(row + 1, col + cell_w, "─╳─" if door.locked else "───")
        elif ax == bx and abs(ay - by) == 1:
            row, col = (arow, acol) if ay < by else (brow, bcol)
            put(row + 3, col + cell_w // 2, "╳" if door.locked else "│")
        else:
            far.append(door)
    lines = [f"{sheet.name}", *("".join(r).rstrip() for r in canvas)]
    names = {p.id: p.name for p in sheet.places}
    for door in far:
        lock = " (locked)" if door.locked else ""
        lines.append(f"  {names[door.a]} ─{door.direction}{lock}→ {names[door.b]}")
    for link in sheet.links:
        lock = " (locked)" if link.locked else ""
        lines.append(
            f"  {names[link.place]} ─{link.direction}{lock}→ {link.to_name} ({link.to_sheet_name})"
        )
    if sheet.drawing:  # the author's own drawing (only in a view without fog)
        lines += ["", sheet.drawing.rstrip("\n")]
    return "\n".join(lines)
