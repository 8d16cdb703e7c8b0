"""Starting storyai does only what the command needs: `--help` imports no database,
Discord, model SDK or TUI library, and a second `storyai play` does not reinstall the
bundled worlds."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from storyai.cli.play import install_bundled
from storyai.core.bootstrap import build
from storyai.core.worlds.bundled import BundledInstall, bundled_world_paths

HEAVY = (
    "discord",
    "sqlalchemy",
    "alembic",
    "openai",
    "anthropic",
    "textual",
    "aiohttp",
    "storyai.core.domain.events",  # the story's models: half a second on their own
    "storyai.core.play",
)

PROBE = """
import json, sys
from storyai.cli.main import app
try:
    app(args=sys.argv[1:], prog_name="storyai")
except SystemExit as exit:
    code = exit.code
heavy = sorted(set(sys.modules) & set(json.loads(HEAVY)))
print("\\n@@" + json.dumps({"code": code, "heavy": heavy}))
"""


def imported_by(*args: str) -> dict:
    """Run the `storyai` command line in a fresh interpreter; which heavy packages
    it imported, and its exit code."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.replace("HEAVY", repr(json.dumps(HEAVY))), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "@@" in done.stdout, done.stderr
    return json.loads(done.stdout.rsplit("@@", 1)[1])


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("world", "--help"),
        ("bot", "--help"),
        ("play", "--help"),
        ("db", "--help"),
        ("run", "--help"),
        ("session", "--help"),
        ("session", "show", "--help"),
        ("srd", "--help"),
    ],
)
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    assert imported_by(*args) == {"code": 0, "heavy": []}


def test_the_probe_sees_heavy_imports() -> None:
    # `providers list` loads the settings; `db status` opens the database: both may
    # import what they need, and the probe notices.
    assert "sqlalchemy" in imported_by("db", "status")["heavy"]


async def launch() -> BundledInstall:
    """What `storyai play` and `storyai bot` do with the bundled worlds at start."""
    container = await build()
    try:
        return await install_bundled(container)
    finally:
        await container.close()


async def test_a_second_start_does_not_reinstall_unchanged_bundled_worlds(cli_database: str):
    names = sorted(bundled_world_paths())

    first = await launch()
    second = await launch()

    assert (sorted(first.installed), first.current, first.skipped) == (names, [], [])
    assert (second.installed, sorted(second.current), second.skipped) == ([], names, [])
