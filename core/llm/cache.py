"""An opt-in cache of whole replies for identical requests.

Keys come from ``ModelRequest.cache_key(provider, model)``; values are the raw
reply text. Only complete replies are stored (the router sees to that). A cache
is a convenience: when it cannot read or write, it behaves as a miss.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from collections import OrderedDict
from pathlib import Path


class ReplyCache(abc.ABC):
    @abc.abstractmethod
    async def get(self, key: str) -> str | None:
        """The stored reply for ``key``, or ``None``."""

    @abc.abstractmethod
    async def put(self, key: str, text: str) -> None:
        """Store ``text`` under ``key``, evicting the least recently used entry if full."""


class MemoryReplyCache(ReplyCache):
    """Least-recently-used replies in memory, at most ``max_entries``."""

    def __init__(self, max_entries: int = 256) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> str | None:
        text = self._entries.get(key)
        if text is not None:
            self._entries.move_to_end(key)
        return text

    async def put(self, key: str, text: str) -> None:
        self._entries[key] = text
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")
_SUFFIX = ".json"


class FileReplyCache(ReplyCache):
    """One JSON file per key in ``directory``; least recently used files go first.

    Writes go to a temporary file that is renamed into place, so a reader never
    sees half a file. A file that cannot be read as an entry is removed and
    counts as a miss. Recency is the file's modification time, refreshed on
    every hit.
    """

    def __init__(self, directory: str | os.PathLike[str], max_entries: int = 1000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.directory = Path(directory)
        self.max_entries = max_entries
        self._last_ns = 0

    async def get(self, key: str) -> str | None:
        return await asyncio.to_thread(self._get, key)

    async def put(self, key: str, text: str) -> None:
        await asyncio.to_thread(self._put, key, text)

    def _path(self, key: str) -> Path:
        name = key if _SAFE_KEY.fullmatch(key) else hashlib.sha256(key.encode()).hexdigest()
        return self.directory / f"{name}{_SUFFIX}"

    def _touch(self, path: Path) -> None:
        # Strictly increasing times, so entries written within one clock tick
        # still have an order.
        self._last_ns = max(time.time_ns(), self._last_ns + 1)
        os.utime(path, ns=(self._last_ns, self._last_ns))

    def _get(self, key: str) -> str | None:
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:  # missing, or unreadable: a miss
            return None
        try:
            entry = json.loads(raw.decode("utf-8"))
            if entry["key"] != key or not isinstance(entry["text"], str):
                raise ValueError("not an entry for this key")
        except (ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            self._touch(path)
        return entry["text"]

    def _put(self, key: str, text: str) -> None:
        path = self._path(key)
        body = json.dumps({"key": key, "text": text}, ensure_ascii=False)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".part")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(body)
                os.replace(temp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
            self._touch(path)
            self._evict()
        except OSError:
            return  # a cache that cannot write is a cache that misses

    def _evict(self) -> None:
        entries: list[tuple[int, Path]] = []
        for path in self.directory.glob(f"*{_SUFFIX}"):
            with contextlib.suppress(OSError):
                entries.append((path.stat().st_mtime_ns, path))
        entries.sort()
        for _, path in entries[: max(0, len(entries) - self.max_entries)]:
            with contextlib.suppress(OSError):
                path.unlink()
