"""Writing cards: V3 JSON, or a PNG carrying both ``chara`` (V2) and ``ccv3`` (V3).

Both writes are atomic: the data goes to a temporary file beside the target,
which is then renamed over it, so a crash never leaves half a file.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

from storyai.core.importers.cards.backfill import v2_backfill
from storyai.core.importers.cards.png import embed_text, placeholder_png
from storyai.core.importers.cards.text import describe_start
from storyai.core.importers.errors import ImportRefused


def _b64_json(card: dict[str, Any]) -> str:
    text = json.dumps(card, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def card_png_bytes(card_v3: dict[str, Any], image: bytes | None = None) -> bytes:
    """``image`` (or a plain placeholder) with the card in ``chara`` and ``ccv3`` chunks.
    Refuses (ImportRefused) an ``image`` that is not a well-formed PNG."""
    texts = {"chara": _b64_json(v2_backfill(card_v3)), "ccv3": _b64_json(card_v3)}
    if image is None:
        return embed_text(placeholder_png(), texts)
    try:
        return embed_text(image, texts)
    except (ValueError, struct.error) as exc:
        raise ImportRefused(
            f"the picture for the card cannot be used: {exc} (it starts with "
            f"{describe_start(image) if image else 'nothing'})",
            hint="Give a PNG picture, or none for a plain placeholder.",
        ) from None


def write_card_json(card_v3: dict[str, Any], path: Path) -> None:
    """Write the V3 card as UTF-8 JSON (indent 2)."""
    text = json.dumps(card_v3, ensure_ascii=False, indent=2) + "\n"
    _write_atomic(Path(path), text.encode("utf-8"))


def write_card_png(card_v3: dict[str, Any], path: Path, *, image: bytes | None = None) -> None:
    """Write a card PNG: ``image`` (PNG bytes) or a generated placeholder, with the card
    as V2 (``chara``) and V3 (``ccv3``) text chunks replacing any it had. Nothing is
    written when ``image`` is not a PNG (ImportRefused)."""
    _write_atomic(Path(path), card_png_bytes(card_v3, image))


def _write_atomic(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
