"""Fixtures for the TUI tests: stores with the bundled worlds, an app factory, snapshots.

``snapshot(app, name)`` compares the screen text with tests/tui/snapshots/NAME.txt;
``STORYAI_UPDATE_SNAPSHOTS=1 pytest tests/tui`` rewrites them, with an SVG beside
each to look at. A failing comparison leaves the actual text and SVG in pytest's
temporary folder and shows the diff.
"""

from __future__ import annotations

import difflib
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from textual.app import App
from tui_helpers import SEED, SNAPSHOTS, UPDATE_ENV, fixed_clock, install_bundled, screen_text

from storyai.core.domain.clock import Clock
from storyai.core.play import Play
from storyai.core.storage.database import Database, upgrade
from storyai.core.storage.memory import InMemoryStore
from storyai.core.storage.ports import UnitOfWorkFactory
from storyai.core.storage.sql import sql_uow_factory
from storyai.tui.app import StoryApp


@pytest.fixture(autouse=True)
def _quick_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot waits for the app to go idle in 20 ms naps; 5 ms naps do the same job faster."""
    import textual._wait

    monkeypatch.setattr(textual._wait, "SLEEP_GRANULARITY", 0.005, raising=False)


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    """Times are shown in local time; tests run in UTC so snapshots match anywhere."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
async def memory_uow() -> UnitOfWorkFactory:
    uow = InMemoryStore().unit_of_work
    await install_bundled(uow)
    return uow


@pytest.fixture
async def sqlite_uow(database_url_factory) -> AsyncIterator[UnitOfWorkFactory]:
    """A migrated SQLite file with the bundled worlds, as ``storyai play`` would use."""
    async with database_url_factory("sqlite") as url, Database(url) as db:
        await upgrade(db)
        uow = sql_uow_factory(db)
        await install_bundled(uow)
        yield uow


@pytest.fixture
def clock() -> Clock:
    """One fixed clock per test, shared by the app and any setup, so ids never repeat."""
    return fixed_clock()


@pytest.fixture
def make_app(tmp_path: Path, clock: Clock) -> Callable[..., StoryApp]:
    """``make_app(uow, narrator=None, **kwargs)``: a StoryApp playing on ``uow`` with
    ``narrator`` (default: offline), a fixed clock and seed."""

    def make(uow: UnitOfWorkFactory, *, narrator=None, **kwargs) -> StoryApp:
        kwargs.setdefault("seed", SEED)
        kwargs.setdefault("export_dir", tmp_path)
        return StoryApp(Play(uow, narrator=narrator, clock=clock), **kwargs)

    return make


@pytest.fixture
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Callable[[App, str], None]:
    """``snapshot(app, "play")`` checks the screen against snapshots/play.txt."""

    def check(app: App, name: str) -> None:
        actual = screen_text(app)
        expected_path = SNAPSHOTS / f"{name}.txt"
        if os.environ.get(UPDATE_ENV) or not expected_path.exists():
            if not os.environ.get(UPDATE_ENV):
                pytest.fail(f"no snapshot {expected_path.name}; run with {UPDATE_ENV}=1 to create")
            SNAPSHOTS.mkdir(exist_ok=True)
            expected_path.write_text(actual, encoding="utf-8")
            (SNAPSHOTS / f"{name}.svg").write_text(screen_text(app, svg=True), encoding="utf-8")
            return
        expected = expected_path.read_text(encoding="utf-8")
        if actual != expected:
            out = tmp_path_factory.mktemp("snapshot-failures")
            (out / f"{name}.txt").write_text(actual, encoding="utf-8")
            (out / f"{name}.svg").write_text(screen_text(app, svg=True), encoding="utf-8")
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    "expected",
                    "actual",
                )
            )
            pytest.fail(
                f"screen {name!r} changed (actual in {out}/; {UPDATE_ENV}=1 accepts):\n{diff}"
            )

    return check
