"""The real-model tier: one llama-server (SmolLM2-135M-Instruct, 8192-token context) for
the whole run, behind a recording proxy that keeps what went over the wire.

Tests marked ``real_model`` skip, saying why, when no server was ever built
(``.ci/llama-server`` builds one); with ``STORYAI_REQUIRE_REAL_MODEL=1`` (CI) that
fails them instead. At the end of the run a table says how each provider kind and
structured mode fared: replies parsed at once, repaired, or told in the engine's words.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from realmodel.llama import REQUIRE_ENV, LlamaServer, default_threads, find_llama, why_missing
from realmodel.proxy import RecordingProxy

CONTEXT = 8192
WORLD = "lighthouse"
THREADS = default_threads()
"""Measured on a quiet 2-core machine: 249 prompt and 74 generated tokens a second with
two threads, 136 and 41 with one; under pytest-xdist the other worker takes a core, so
the tier plays on one thread (``realmodel.llama.default_threads``)."""


@dataclass
class RealModel:
    server: LlamaServer
    proxy: RecordingProxy
    log: Path

    @property
    def openai_base_url(self) -> str:
        return self.proxy.base_url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.proxy.base_url

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0")


@pytest.fixture(scope="session")
def real_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealModel]:
    """llama-server on 127.0.0.1 behind a ``RecordingProxy``: point providers at
    ``openai_base_url`` / ``anthropic_base_url``."""
    files = find_llama()  # session fixtures start before the per-test cache folder
    if files is None:
        if required():
            pytest.fail(f"{why_missing()}, and {REQUIRE_ENV} is set")
        pytest.skip(why_missing())
    log = tmp_path_factory.mktemp("llama") / "llama-server.log"
    with (
        LlamaServer(files, ctx=CONTEXT, threads=THREADS, log_path=log) as server,
        RecordingProxy(server.port) as proxy,
    ):
        yield RealModel(server, proxy, log)


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small world, as `storyai world new` makes it: a short prompt (about 1,100 tokens
    against 3,500 for Ember Hollow) keeps a CPU model's turns short."""
    from storyai.core.worlds.scaffold import create_world

    folder = tmp_path_factory.mktemp("worlds") / WORLD
    create_world(folder)
    return folder


# ------------------------------------------------------------------ what each mode did

OUTCOMES: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
"""``"kind/mode"`` -> outcome ("parsed", "repaired", "prose", "fallback") -> turns."""
REASONS: dict[str, set[str]] = defaultdict(set)
"""``"kind/mode"`` -> why turns were repaired or fell back (what the story records)."""


def record_outcome(mode: str, outcome: str, why: str | None = None) -> None:
    OUTCOMES[mode][outcome] += 1
    if why:
        REASONS[mode].add(why if len(why) <= 160 else why[:157] + "...")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In an xdist worker: hand what the modes did to the controller, which prints it."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None and OUTCOMES:
        output["real_model"] = {
            "outcomes": {mode: dict(counts) for mode, counts in OUTCOMES.items()},
            "reasons": {mode: sorted(reasons) for mode, reasons in REASONS.items()},
        }


def gather(node) -> None:
    """On the xdist controller (called from tests/conftest.py, as this folder's conftest
    is not loaded there): add what a worker's real-model turns did."""
    done = getattr(node, "workeroutput", {}).get("real_model")
    if not done:
        return
    for mode, counts in done["outcomes"].items():
        for outcome, n in counts.items():
            OUTCOMES[mode][outcome] += n
    for mode, reasons in done["reasons"].items():
        REASONS[mode].update(reasons)


def report(terminalreporter: pytest.TerminalReporter) -> None:
    """The table of outcomes per mode, at the end of the run (from tests/conftest.py)."""
    if not OUTCOMES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("real model: turns per provider kind and structured mode")
    columns = ("parsed", "repaired", "prose", "fallback")
    write(f"{'kind/mode':<40}" + "".join(f" {c:>9}" for c in columns))
    for mode, counts in sorted(OUTCOMES.items()):
        write(f"{mode:<40}" + "".join(f" {counts[c]:>9}" for c in columns))
    for mode, reasons in sorted(REASONS.items()):
        for why in sorted(reasons):
            write(f"  {mode}: {why}")
