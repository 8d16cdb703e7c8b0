"""The real CLI on a real model, as a user runs it: a ``config.toml`` in the user config
folder naming a local llama-server (Chat Completions, JSON Schema), ``storyai run`` with
a script in a subprocess and a fresh data folder, then ``storyai session show`` and
``storyai session context``, whose prompt must be what went over the wire."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from realmodel.checks import check_turns, told_turns
from realmodel.conftest import RealModel, record_outcome
from realmodel.wire import PROVIDER, first_narration_requests, sent_prompt, write_config
from storyai.core.llm.port import ModelRequest, PromptSection
from storyai.core.storage.database import Database, default_database_url
from storyai.core.storage.sql import sql_uow_factory
from storyai.core.worlds.validate import load_world

pytestmark = pytest.mark.real_model

KIND, STRUCTURED = "openai-compatible", "json_schema"
SCRIPT = ["ask tam about the lighthouse door"]
"""Two turns, as in the other modes: the opening and one action (each a CPU model's
10-40 s); ``session context`` is read for the action's turn."""


def storyai(*args: str) -> str:
    """``storyai ARGS`` in a subprocess (the installed command); its output, checked."""
    script = Path(sys.executable).with_name("storyai")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "storyai.cli"]
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, timeout=1800, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output, output
    return done.stdout


RULE = re.compile(r"^─* ?(?P<name>\S+) · (?P<role>system|user) · \d+ tokens.*─+$")
END = re.compile(r"^─* ?Turn \d+: ")


def parse_context(output: str) -> list[PromptSection]:
    """The sections `storyai session context` printed, each as its header and text."""
    sections: list[PromptSection] = []
    current: tuple[str, str] | None = None
    lines: list[str] = []
    for line in output.split("\n"):
        header = RULE.match(line)
        if header or END.match(line):
            if current is not None:
                role = "system" if current[1] == "system" else "user"
                sections.append(PromptSection(current[0], "\n".join(lines), role=role))
            lines = []
            current = (header["name"], header["role"]) if header else None
            if current is None:
                break
        elif current is not None:
            lines.append(line)
    return sections


def test_storyai_run_on_a_real_model_tells_every_turn_and_shows_the_prompt_it_sent(
    real_model: RealModel, world_dir: Path, tmp_path: Path
):
    config_home = Path(os.environ["XDG_CONFIG_HOME"])  # a fresh one per test (conftest)
    write_config(
        config_home / "storyai" / "config.toml", KIND, real_model.openai_base_url, STRUCTURED
    )
    script = tmp_path / "moves.txt"
    script.write_text("\n".join(SCRIPT) + "\n", encoding="utf-8")
    since = real_model.proxy.mark()

    out = storyai("run", str(world_dir), "--script", str(script), "--seed", "3", "--save",
                  "--provider", PROVIDER)  # fmt: skip
    session_id = re.search(r"Saved as session (\S+)\.", out)[1]
    shown = storyai("session", "show", session_id)
    assert re.search(r"Model usage: \d+ calls, [1-9][\d,]* prompt tokens", shown), shown

    sent = first_narration_requests(real_model.proxy.requests(since))
    assert len(sent) == 1 + len(SCRIPT), [r.path for r in sent]
    for turn, request in enumerate(sent[1:], start=1):
        printed = parse_context(storyai("session", "context", session_id, "--turn", str(turn)))
        assert printed, "no sections printed"
        as_sent = ModelRequest(task="narration", sections=tuple(printed))
        assert sent_prompt(KIND, request) == ([as_sent.system_text], [as_sent.user_text])

    world = load_world(world_dir)
    told = _told(session_id)
    for t in told:
        record_outcome(f"{KIND}/{STRUCTURED} (cli)", t.outcome, t.narration.error)
    check_turns(world, told, PROVIDER)
    assert [t.action for t in told] == [None, *SCRIPT]


def _told(session_id: str):
    import asyncio

    async def read():
        async with Database(default_database_url()) as db:
            return await told_turns(sql_uow_factory(db), session_id)

    return asyncio.run(read())
