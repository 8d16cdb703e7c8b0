"""A picture in the story log: drawn with the terminal's best graphics (sixel, kitty)
through the optional ``textual-image`` package, or as coloured half-blocks (``▀``, two
pixels a cell) with Pillow; without either, the picture's file is named instead.
``[media] inline_images = false`` keeps pictures out of the log altogether."""

from __future__ import annotations

import io
from pathlib import Path

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

WIDTH = 40
"""Columns a picture takes in the log."""
HEIGHT = 16
"""Rows it takes at most (a tall portrait is drawn narrower)."""


def half_blocks(data: bytes, width: int = WIDTH) -> Text | None:
    """``data`` (any image Pillow reads) as rows of ``▀``: the upper pixel is the
    foreground, the lower one the background. None without Pillow or for bad data."""
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            picture = opened.convert("RGB")
    except Exception:  # Pillow raises many kinds for a broken file
        return None
    columns = max(1, min(width, picture.width))
    if picture.height * columns / picture.width > 2 * HEIGHT:  # a tall portrait: narrower
        columns = max(1, round(2 * HEIGHT * picture.width / picture.height))
    rows = max(2, round(picture.height * columns / picture.width))
    rows += rows % 2
    small = picture.resize((columns, rows))
    pixels = small.load()
    assert pixels is not None
    text = Text(no_wrap=True, overflow="crop")
    for y in range(0, rows, 2):
        for x in range(columns):
            top, bottom = pixels[x, y], pixels[x, y + 1]
            text.append(
                "▀", style=Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
            )
        if y + 2 < rows:
            text.append("\n")
    return text


def graphics_widget(path: Path | None) -> Static | None:
    """The ``textual-image`` widget for ``path`` (sixel, kitty or unicode, whatever the
    terminal supports), or None when the package is not installed."""
    if path is None:
        return None
    try:
        from textual_image.widget import Image as TerminalImage
    except ImportError:
        return None
    widget = TerminalImage(str(path), classes="picture-image")
    return widget  # type: ignore[no-any-return]


class PictureEntry(Vertical):
    """A caption and the picture under it."""

    DEFAULT_CSS = """
    PictureEntry { height: auto; margin: 1 0 0 0; }
    PictureEntry > .picture-blocks { width: auto; height: auto; }
    PictureEntry > .picture-image { width: 40; height: auto; }
    """

    def __init__(
        self, caption: str, data: bytes | None, path: Path | None, *, mode: str = "auto"
    ) -> None:
        super().__init__(classes="line line-picture")
        self.caption = caption
        self.data = data
        self.path = path
        self.mode = mode

    def on_mount(self) -> None:
        # once its picture is laid out: the log shows it whole (it came after the turn)
        self.call_after_refresh(lambda: self.scroll_visible(animate=False))

    def compose(self) -> ComposeResult:
        yield Static(Text(self.caption, style="italic"), classes="picture-caption")
        if self.mode == "auto":
            widget = graphics_widget(self.path)
            if widget is not None:
                yield widget
                return
        blocks = half_blocks(self.data) if self.data is not None else None
        if blocks is not None:
            yield Static(blocks, classes="picture-blocks")
        else:
            where = str(self.path) if self.path else "the media folder"
            yield Static(Text(f"(picture: {where})", style="dim"), classes="picture-file")
