"""Reply caches: LRU in memory, JSON files on disk that survive a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyai.core.llm.cache import FileReplyCache, MemoryReplyCache, ReplyCache

KEY_A = "a" * 64
KEY_B = "b" * 64
KEY_C = "c" * 64


@pytest.fixture(params=["memory", "file"])
def small_cache(request: pytest.FixtureRequest, tmp_path: Path) -> ReplyCache:
    if request.param == "memory":
        return MemoryReplyCache(max_entries=2)
    return FileReplyCache(tmp_path / "replies", max_entries=2)


async def test_a_stored_reply_comes_back_and_others_miss(small_cache: ReplyCache) -> None:
    assert await small_cache.get(KEY_A) is None
    await small_cache.put(KEY_A, "The inn is warm. ✨")
    assert await small_cache.get(KEY_A) == "The inn is warm. ✨"
    assert await small_cache.get(KEY_B) is None


async def test_the_least_recently_used_entry_is_evicted(small_cache: ReplyCache) -> None:
    await small_cache.put(KEY_A, "a")
    await small_cache.put(KEY_B, "b")
    assert await small_cache.get(KEY_A) == "a"  # A is now more recent than B
    await small_cache.put(KEY_C, "c")
    assert await small_cache.get(KEY_B) is None
    assert await small_cache.get(KEY_A) == "a"
    assert await small_cache.get(KEY_C) == "c"


async def test_file_cache_survives_a_new_instance(tmp_path: Path) -> None:
    await FileReplyCache(tmp_path).put(KEY_A, "You wake in a cell.")
    assert await FileReplyCache(tmp_path).get(KEY_A) == "You wake in a cell."


async def test_file_cache_ignores_and_removes_a_corrupt_file(tmp_path: Path) -> None:
    cache = FileReplyCache(tmp_path)
    await cache.put(KEY_A, "fine")
    await cache.put(KEY_B, "also fine")
    (tmp_path / f"{KEY_A}.json").write_text('{"key": "aaa', encoding="utf-8")
    (tmp_path / f"{KEY_B}.json").write_bytes(b"\xff\xfe not utf-8")

    assert await FileReplyCache(tmp_path).get(KEY_A) is None
    assert await FileReplyCache(tmp_path).get(KEY_B) is None
    assert not (tmp_path / f"{KEY_A}.json").exists()
    assert not (tmp_path / f"{KEY_B}.json").exists()
    await cache.put(KEY_A, "rewritten")
    assert await cache.get(KEY_A) == "rewritten"


async def test_file_cache_leaves_no_temporary_files(tmp_path: Path) -> None:
    cache = FileReplyCache(tmp_path)
    await cache.put(KEY_A, "one")
    await cache.put(KEY_A, "two")
    assert [p.name for p in tmp_path.iterdir()] == [f"{KEY_A}.json"]
    assert await cache.get(KEY_A) == "two"


async def test_file_cache_accepts_any_key(tmp_path: Path) -> None:
    cache = FileReplyCache(tmp_path)
    await cache.put("../../etc/passwd", "not a path")
    assert await cache.get("../../etc/passwd") == "not a path"
    assert all(p.parent == tmp_path for p in tmp_path.rglob("*"))
