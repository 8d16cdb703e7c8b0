"""A story's pictures and audio beside its exported transcript.

``export_media`` copies every picture made for the story into ``<name>_media/`` next
to the Markdown file and returns the Markdown section that shows them (by turn).
``chapter_audio`` speaks a chapter's narration and dialogue (lines already said are
taken from the store, free) and writes it as one audio file: WAV parts are joined
into one WAV, MP3 parts into one MP3 stream.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass, field
from pathlib import Path

from storyai.core.domain.errors import UsageError
from storyai.core.domain.events import Line, Narration
from storyai.core.media.service import MediaService
from storyai.core.play.telling import CHAPTER_TURNS

TURNS_PER_CHAPTER = CHAPTER_TURNS


@dataclass
class ExportedMedia:
    folder: Path
    pictures: list[Path] = field(default_factory=list)
    markdown: str = ""
    audio: Path | None = None
    notices: list[str] = field(default_factory=list)


async def export_media(media: MediaService, session_id: str, markdown_file: Path) -> ExportedMedia:
    folder = markdown_file.with_name(markdown_file.stem + "_media")
    result = ExportedMedia(folder)
    shown: dict[str, str] = {}
    lines = ["", "## Pictures", ""]
    for entry in await media.entries(session_id):
        if not entry.mime.startswith("image/") or entry.digest in shown:
            continue
        data = await media.read(entry)
        if data is None:
            result.notices.append(f"A {entry.kind} picture of turn {entry.turn} is missing.")
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / entry.name
        target.write_bytes(data)
        result.pictures.append(target)
        shown[entry.digest] = target.name
        what = entry.subject.split(":", 1)[-1].replace("_", " ")
        lines.append(f"![{entry.kind}: {what}, turn {entry.turn}]({folder.name}/{target.name})")
        lines.append("")
    if result.pictures:
        result.markdown = "\n".join(lines)
    return result


async def chapter_lines(media: MediaService, session_id: str, chapter: int) -> list[Line]:
    if chapter < 1:
        raise UsageError(f"chapters are numbered from 1, not {chapter}")
    first, last = (chapter - 1) * TURNS_PER_CHAPTER, chapter * TURNS_PER_CHAPTER
    out: list[Line] = []
    for record in await media.play.history(session_id):
        if isinstance(record.event, Narration) and first <= record.turn <= last:
            out += [line for line in record.event.lines if line.kind in ("narration", "dialogue")]
    return out


async def chapter_audio(
    media: MediaService, session_id: str, chapter: int, out: Path, *, user: str = "local"
) -> ExportedMedia:
    """Chapter ``chapter``'s lines spoken into one file: ``out`` with the suffix of the
    audio the provider gives (.wav or .mp3)."""
    result = ExportedMedia(out.parent)
    lines = await chapter_lines(media, session_id, chapter)
    if not lines:
        raise UsageError(f"chapter {chapter} of this story has no lines to speak yet")
    spoken = await media.speak(session_id, lines, user=user)
    parts: list[tuple[str, bytes]] = []
    for outcome in spoken:
        if outcome.entry is None:
            result.notices.append(outcome.notice or "a line could not be spoken")
            continue
        data = await media.read(outcome.entry)
        if data is not None:
            parts.append((outcome.entry.mime, data))
    if not parts:
        return result
    kinds = {mime for mime, _ in parts}
    if kinds == {"audio/wav"}:
        target, data = out.with_suffix(".wav"), join_wav([d for _, d in parts])
    elif kinds == {"audio/mpeg"}:
        target, data = out.with_suffix(".mp3"), b"".join(d for _, d in parts)
    else:
        raise UsageError(
            "the chapter's lines came in different audio formats; set one speech provider"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    result.audio = target
    return result


def join_wav(parts: list[bytes]) -> bytes:
    """WAV files of one format joined into one (the first's format)."""
    out = io.BytesIO()
    with wave.open(io.BytesIO(parts[0])) as first:
        params = first.getparams()
    with wave.open(out, "wb") as joined:
        joined.setparams(params)
        for part in parts:
            with wave.open(io.BytesIO(part)) as piece:
                if piece.getparams()[:3] != params[:3]:
                    raise UsageError("the chapter's lines came in different audio formats")
                joined.writeframes(piece.readframes(piece.getnframes()))
    return out.getvalue()
