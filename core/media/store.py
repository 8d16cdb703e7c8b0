"""Where pictures and audio are kept: files named by the hash of their bytes, an index
from each request to its file (the same request is never generated twice), and a log
per story of what was made for which turn (what ``session show`` counts and ``session
export`` copies).

``FileMediaStore`` keeps them in a folder (default: ``media`` in the user data folder;
``[media] directory``), which several bot processes may share: every file is written
to a temporary name and renamed into place, and a log line is one append.
``InMemoryMediaStore`` is its fake for tests.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from storyai.core.media.port import SUFFIXES, Media


@dataclass(frozen=True)
class Stored:
    """A file in the store: ``digest`` is the sha256 of its bytes."""

    digest: str
    mime: str
    provider: str = ""
    model: str = ""

    @property
    def name(self) -> str:
        return self.digest + SUFFIXES.get(self.mime, ".bin")


@dataclass(frozen=True)
class MediaEntry:
    """One picture or voice line made for a story (a line of its log)."""

    session_id: str
    turn: int
    kind: str
    """"portrait", "establishing", "scene" or "speech"."""
    subject: str
    digest: str
    mime: str
    credits: int = 0
    provider: str = ""
    prompt: str = ""
    cached: bool = False
    """Found in the store: nothing was generated (and nothing charged)."""
    speaker: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.digest + SUFFIXES.get(self.mime, ".bin")

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> MediaEntry:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TablePrefs:
    """A story's media choices: pictures on (scene images and portraits), establishing
    pictures of places on first visit (opt-in), and players who turned media off."""

    images: bool = True
    establishing: bool = False
    voice: bool = True
    muted: tuple[str, ...] = ()
    """User refs of players who want no media made for them."""

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "muted": list(self.muted)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> TablePrefs:
        muted = data.get("muted") or ()
        return cls(
            images=bool(data.get("images", True)),
            establishing=bool(data.get("establishing", False)),
            voice=bool(data.get("voice", True)),
            muted=tuple(str(m) for m in muted) if isinstance(muted, list | tuple) else (),
        )


class MediaStore(abc.ABC):
    @abc.abstractmethod
    async def lookup(self, request_key: str) -> Stored | None:
        """What ``request_key`` made before, if its file is still there."""

    @abc.abstractmethod
    async def put(self, request_key: str, media: Media) -> Stored:
        """Keep ``media`` (once per distinct content) and remember it for the request."""

    @abc.abstractmethod
    async def read(self, digest: str) -> bytes | None: ...

    @abc.abstractmethod
    async def log(self, entry: MediaEntry) -> None:
        """Add ``entry`` to its story's log."""

    @abc.abstractmethod
    async def entries(self, session_id: str) -> list[MediaEntry]:
        """The story's log, oldest first."""

    def path(self, stored: Stored | MediaEntry) -> Path | None:
        """The file on disk, for stores that have one."""
        return None


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class InMemoryMediaStore(MediaStore):
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.requests: dict[str, Stored] = {}
        self.logs: dict[str, list[MediaEntry]] = {}

    async def lookup(self, request_key: str) -> Stored | None:
        return self.requests.get(request_key)

    async def put(self, request_key: str, media: Media) -> Stored:
        digest = content_digest(media.data)
        self.blobs.setdefault(digest, media.data)
        stored = Stored(digest, media.mime, media.provider, media.model)
        self.requests[request_key] = stored
        return stored

    async def read(self, digest: str) -> bytes | None:
        return self.blobs.get(digest)

    async def log(self, entry: MediaEntry) -> None:
        self.logs.setdefault(entry.session_id, []).append(entry)

    async def entries(self, session_id: str) -> list[MediaEntry]:
        return list(self.logs.get(session_id, []))


def _safe_id(value: str) -> str:
    if not value or any(c in value for c in "/\\\0") or value.startswith("."):
        raise ValueError(f"not a usable id for a file name: {value!r}")
    return value


class FileMediaStore(MediaStore):
    """The store in a folder: ``objects/ab/<sha256>.<ext>``, ``requests/ab/<key>.json``,
    ``sessions/<session id>.jsonl``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _object(self, digest: str, mime: str) -> Path:
        return self.root / "objects" / digest[:2] / (digest + SUFFIXES.get(mime, ".bin"))

    def _request(self, key: str) -> Path:
        return self.root / "requests" / key[:2] / f"{key}.json"

    def path(self, stored: Stored | MediaEntry) -> Path | None:
        found = self._object(stored.digest, stored.mime)
        return found if found.is_file() else None

    async def lookup(self, request_key: str) -> Stored | None:
        return await asyncio.to_thread(self._lookup, request_key)

    def _lookup(self, request_key: str) -> Stored | None:
        try:
            data = json.loads(self._request(request_key).read_text(encoding="utf-8"))
            stored = Stored(**data)
        except (OSError, ValueError, TypeError):
            return None
        return stored if self._object(stored.digest, stored.mime).is_file() else None

    async def put(self, request_key: str, media: Media) -> Stored:
        return await asyncio.to_thread(self._put, request_key, media)

    def _put(self, request_key: str, media: Media) -> Stored:
        stored = Stored(content_digest(media.data), media.mime, media.provider, media.model)
        target = self._object(stored.digest, stored.mime)
        if not target.is_file():
            _write_atomic(target, media.data)
        _write_atomic(self._request(request_key), json.dumps(asdict(stored)).encode())
        return stored

    async def read(self, digest: str) -> bytes | None:
        return await asyncio.to_thread(self._read, digest)

    def _read(self, digest: str) -> bytes | None:
        folder = self.root / "objects" / digest[:2]
        for suffix in set(SUFFIXES.values()):
            path = folder / (digest + suffix)
            if path.is_file():
                return path.read_bytes()
        return None

    async def log(self, entry: MediaEntry) -> None:
        await asyncio.to_thread(self._log, entry)

    def _log(self, entry: MediaEntry) -> None:
        path = self.root / "sessions" / f"{_safe_id(entry.session_id)}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry.as_dict(), ensure_ascii=False) + "\n"
        # One write of one line in append mode: lines from two processes never interleave.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    async def entries(self, session_id: str) -> list[MediaEntry]:
        return await asyncio.to_thread(self._entries, session_id)

    def _entries(self, session_id: str) -> list[MediaEntry]:
        path = self.root / "sessions" / f"{_safe_id(session_id)}.jsonl"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                out.append(MediaEntry.from_dict(json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line cut short by a crash
        return out


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
