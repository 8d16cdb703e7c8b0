"""Writing cards: V3 JSON, or a PNG carrying both ``chara`` (V2) and ``ccv3`` (V3).

Both writes are atomic: the data goes to a temporary file beside the target,
which is then renamed over it, so a crash never leaves half a file. The file
gets the permissions an ordinary ``open(path, "w")`` would give it, and a
path that cannot be written is refused (:class:`ImportRefused`) by name.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import os
import secrets
import stat
import struct
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
    """Write ``data`` to a new file beside ``path``, then rename it over ``path``.

    The file gets the permissions ``open(path, "w")`` would give it: those of the
    file it replaces, or 0666 less the umask for a new one. Any failure is an
    :class:`ImportRefused` naming the path, with nothing left behind.
    """
    try:
        info = os.stat(path)
    except OSError:
        info = None  # a new file (or one we cannot see): the umask decides
    mode = stat.S_IMODE(info.st_mode) & 0o777 if info and stat.S_ISREG(info.st_mode) else None
    try:
        handle, temp = _create_beside(path)
    except OSError as exc:
        raise _cannot_write(path, exc, creating=True) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc, creating=False) from None
        raise


def _create_beside(path: Path) -> tuple[int, str]:
    """A new, empty temporary file in ``path``'s folder, created like ``open(..., "w")``
    creates a file (mode 0666 less the umask), unlike ``mkstemp`` (always 0600)."""
    folder = path.parent
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        temp = str(folder / f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(folder))


def _cannot_write(path: Path, exc: OSError, *, creating: bool) -> ImportRefused:
    """The refusal for a write that failed, in a user's words."""
    hint = None
    if creating and isinstance(exc, FileNotFoundError):
        reason, hint = "no such folder", "Create the folder first, or write somewhere else."
    elif creating and isinstance(exc, NotADirectoryError):
        reason = f"{path.parent} is not a folder"
    elif isinstance(exc, IsADirectoryError) or _is_folder(path):
        reason, hint = "it is a folder", "Give the name of the file to write."
    elif isinstance(exc, PermissionError):
        reason, hint = "permission denied", "Write to a folder you are allowed to write in."
    else:
        text = exc.strerror or str(exc) or type(exc).__name__
        reason = text[:1].lower() + text[1:]
    return ImportRefused(f"cannot write {path}: {reason}", hint=hint)


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False
