"""Lay a world's locations out on a grid by their compass exits, and draw it as text.

Used by ``storyai world graph`` and, for discovered places, by the TUI's map.
Locations reached only by non-compass exits (in, up, portal, ...) or that
would overlap another room are drawn below the grid with their connections.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

DIRECTIONS: dict[str, tuple[int, int]] = {
    "north": (0, -1),
    "south": (0, 1),
    "east": (1, 0),
    "west": (-1, 0),
    "n": (0, -1),
    "s": (0, 1),
    "e": (1, 0),
    "w": (-1, 0),
    "northeast": (1, -1),
    "northwest": (-1, -1),
    "southeast": (1, 1),
    "southwest": (-1, 1),
    "ne": (1, -1),
    "nw": (-1, -1),
    "se": (1, 1),
    "sw": (-1, 1),
}


@dataclass
class MapLayout:
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    edges: list[tuple[str, str, str, bool]] = field(default_factory=list)  # from, dir, to, locked
    elsewhere: list[str] = field(default_factory=list)


def layout(
    exits: Mapping[str, Mapping[str, tuple[str, bool]]],
    start: str,
    *,
    only: Iterable[str] | None = None,
) -> MapLayout:
    """Place locations on a grid, breadth first from ``start``.

    Args:
        exits: location id -> {direction: (target id, locked)}.
        start: where the grid begins (0, 0).
        only: if given, only these locations are shown (e.g. the discovered ones).
    """
    visible = set(only) if only is not None else set(exits)
    result = MapLayout()
    taken: dict[tuple[int, int], str] = {}
    order: list[str] = []
    seen: set[str] = set()
    roots = [start, *sorted(visible - {start})]
    for root in roots:
        if root in seen or root not in visible:
            continue
        seen.add(root)
        if not result.cells:
            result.cells[root] = (0, 0)
            taken[(0, 0)] = root
        queue = deque([root])
        while queue:
            here = queue.popleft()
            order.append(here)
            for direction, (target, locked) in sorted(exits.get(here, {}).items()):
                if target not in visible:
                    continue
                result.edges.append((here, direction, target, locked))
                if target in seen:
                    continue
                seen.add(target)
                queue.append(target)
                offset = DIRECTIONS.get(direction.lower())
                if offset and here in result.cells:
                    x, y = result.cells[here]
                    cell = (x + offset[0], y + offset[1])
                    if cell not in taken:
                        result.cells[target] = cell
                        taken[cell] = target
                        continue
                result.elsewhere.append(target)
        if root not in result.cells and root not in result.elsewhere:
            result.elsewhere.append(root)
    return result


def draw(
    layout_: MapLayout, names: Mapping[str, str], *, here: str | None = None, width: int = 14
) -> str:
    """The grid as text boxes joined by lines, then the rooms that did not fit."""
    if not layout_.cells:
        return "(no locations)"
    xs = [x for x, _ in layout_.cells.values()]
    ys = [y for _, y in layout_.cells.values()]
    min_x, min_y = min(xs), min(ys)
    cols, rows = max(xs) - min_x + 1, max(ys) - min_y + 1
    cell_w, gap = width + 2, 3
    canvas_w = cols * cell_w + (cols - 1) * gap
    canvas = [[" "] * canvas_w for _ in range(rows * 4 - 1)]

    def put(row: int, col: int, text: str) -> None:
        for i, ch in enumerate(text):
            if 0 <= col + i < canvas_w:
                canvas[row][col + i] = ch

    origin: dict[str, tuple[int, int]] = {}
    for loc, (x, y) in layout_.cells.items():
        col = (x - min_x) * (cell_w + gap)
        row = (y - min_y) * 4
        origin[loc] = (row, col)
        label = names.get(loc, loc)
        if loc == here:
            label = "*" + label
        label = label if len(label) <= width else label[: width - 1] + "…"
        put(row, col, "+" + "-" * width + "+")
        put(row + 1, col, "|" + label.center(width) + "|")
        put(row + 2, col, "+" + "-" * width + "+")
    # locked edges last, so a locked door is not hidden by the open way back
    for src, _direction, dst, locked in sorted(layout_.edges, key=lambda e: e[3]):
        if src not in layout_.cells or dst not in layout_.cells:
            continue
        (sx, sy), (dx, dy) = layout_.cells[src], layout_.cells[dst]
        if abs(sx - dx) + abs(sy - dy) != 1:
            continue
        row, col = origin[src]
        if sy == dy:  # east-west neighbours
            left = src if sx < dx else dst
            lrow, lcol = origin[left]
            put(lrow + 1, lcol + cell_w, "~#~" if locked else "---")
        else:
            top = src if sy < dy else dst
            trow, tcol = origin[top]
            put(trow + 3, tcol + cell_w // 2, "#" if locked else "|")
    lines = ["".join(r).rstrip() for r in canvas]
    out = "\n".join(line for line in lines)
    extra = [
        f"  {names.get(src, src)} --{direction}{' (locked)' if locked else ''}--> "
        f"{names.get(dst, dst)}"
        for src, direction, dst, locked in layout_.edges
        if dst in layout_.elsewhere
        or src in layout_.elsewhere
        or (
            src in layout_.cells
            and dst in layout_.cells
            and _distance(layout_.cells[src], layout_.cells[dst]) != 1
        )
    ]
    if extra:
        out += "\n\nOther connections:\n" + "\n".join(dict.fromkeys(extra))
    return out


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return abs(a[0] - b[0]) + abs(a[1] - b[1])
