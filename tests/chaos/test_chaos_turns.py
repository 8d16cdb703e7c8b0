"""Turns played through llmock's faults, with the real openai and anthropic SDKs, the
router and the AI game master configured as a user configures a local server.

Whatever the server does, every action is told (none lost), nothing but our own
player-ready errors comes out (no traceback), a passage withdrawn after a broken
stream is not told twice, and the router waits as long as Retry-After asks (llmock
judges that too, from the times it saw the requests at).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from chaos_helpers import BACKOFF, narration_text, tracebacks
from llmock_process import LlmockServer, reply

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from ai_helpers import turn_json

from storyai.core.narrators.ai import FALTERED

KINDS = ["openai-compatible", "anthropic"]
RETRY_AFTER = 0.2
HTTP_FAULTS = {
    "429 with Retry-After": {"type": "fail", "status": 429, "retry_after": RETRY_AFTER},
    "503": {"type": "fail", "status": 503},
    "500": {"type": "fail", "status": 500},
}
STALL_TIMEOUT = 0.5
STREAM_FAULTS = {
    # after eight events the first words of the narrative have reached the screen
    "disconnect": {"type": "stream_fault", "kind": "disconnect", "after_chunks": 8},
    "truncate": {"type": "stream_fault", "kind": "truncate", "after_chunks": 8},
    "malformed chunk": {"type": "stream_fault", "kind": "malformed", "after_chunks": 8},
    "stall": {"type": "stream_fault", "kind": "stall", "after_chunks": 8, "stall_seconds": 2},
}
NARRATIVE = (
    "The bellows wheeze and a spark leaps for the rafters, then dies in the soot. "
    "Hesta laughs at your blackened sleeves."
)
OPENING = "Snow hisses on the cold hearthstones of Ember Hollow."


@pytest.mark.parametrize("fault", [*HTTP_FAULTS, *STREAM_FAULTS])
@pytest.mark.parametrize("kind", KINDS)
async def test_a_turn_hit_by_a_fault_is_retried_and_told_once(
    llmock_clean, storyteller, caplog, kind, fault
):
    caplog.set_level(logging.INFO)
    server = llmock_clean
    teller = storyteller(
        ("gm", kind, server.base_url(kind)),
        stall_timeout=STALL_TIMEOUT if fault == "stall" else 5.0,
    )
    server.script(reply(kind, turn_json(OPENING)))
    await teller.start()

    midstream = fault in STREAM_FAULTS
    behaviour = STREAM_FAULTS[fault] if midstream else HTTP_FAULTS[fault]
    # a stream fault lands on a reply: the broken attempt and the retry both answer it
    server.script(behaviour, reply(kind, turn_json(NARRATIVE), times=2 if midstream else 1))
    result, sink = await teller.act("work the bellows")

    assert [x.text for x in result.lines if x.kind == "narration"] == [NARRATIVE]
    assert sink.text == NARRATIVE  # what stays on the player's screen
    if midstream:  # the first words were shown, withdrawn, and shown again once
        assert sink.resets >= 1
        assert "".join(sink.seen).count("The bellows wheeze") == 2
    else:
        assert sink.resets == 0
    [(action, narration)] = await teller.told()
    assert action == "work the bellows"
    assert narration_text(narration) == NARRATIVE
    assert narration.error is None  # the player was told the turn, not about the fault
    if fault.startswith("429"):
        assert teller.sleeps == [RETRY_AFTER]
    elif fault == "503":  # llmock's 503 says Retry-After: 1, as a busy server does
        assert teller.sleeps == [1.0]
    else:
        assert len(teller.sleeps) == 1 and teller.sleeps[0] <= BACKOFF  # a backoff
    requests = server.requests()
    assert len(requests) == 3  # the opening, the failed attempt, its retry: no more
    verdict = server.verdict()
    assert verdict["errors"] == 0, verdict["findings"]
    assert not tracebacks(caplog.records)


async def test_a_retry_after_beyond_the_limit_hands_the_turn_to_the_next_provider_at_once(
    llmock_clean, storyteller
):
    server = llmock_clean
    teller = storyteller(
        ("local", "openai-compatible", server.openai_url),
        ("backup", "anthropic", server.anthropic_url),
    )
    server.script(reply("openai-compatible", turn_json(OPENING)))
    await teller.start()
    server.script(
        {"type": "fail", "status": 429, "retry_after": 600},  # ten minutes: not worth waiting
        reply("anthropic", turn_json(NARRATIVE)),
    )
    result, _ = await teller.act("work the bellows")
    assert [x.text for x in result.lines if x.kind == "narration"] == [NARRATIVE]
    assert teller.sleeps == []
    [(_, narration)] = await teller.told()
    assert narration.usage is not None and narration.usage.provider == "backup"
    assert [r["path"] for r in server.requests()[-2:]] == [
        "/v1/chat/completions",
        "/anthropic/v1/messages",
    ]


async def test_a_server_down_for_good_hands_every_turn_to_the_next_provider(
    llmock_clean, storyteller
):
    with LlmockServer("--error-rate", "503=1.0") as down:
        teller = storyteller(
            ("local", "openai-compatible", down.openai_url),
            ("backup", "openai-compatible", llmock_clean.openai_url),
            max_retries=0,
        )
        llmock_clean.script(reply("openai-compatible", turn_json(OPENING)))
        await teller.start()
        for n in range(3):
            llmock_clean.script(reply("openai-compatible", turn_json(f"{NARRATIVE} ({n})")))
            _, sink = await teller.act(f"work the bellows, try {n}")
            assert sink.text == f"{NARRATIVE} ({n})"
        told = await teller.told()
        assert [a for a, _ in told] == [f"work the bellows, try {n}" for n in range(3)]
        assert {n.usage.provider for _, n in told if n.usage} == {"backup"}
        assert len(down.requests()) == 4  # asked once a turn, the opening included
        assert teller.sleeps == []


async def test_a_server_that_cuts_every_stream_short_is_never_believed(llmock_clean, storyteller):
    with LlmockServer("--stream-fault", "truncate=1.0") as cut:
        teller = storyteller(
            ("local", "openai-compatible", cut.openai_url),
            ("backup", "anthropic", llmock_clean.anthropic_url),
            max_retries=1,
        )
        llmock_clean.script(reply("anthropic", turn_json(OPENING)))
        await teller.start()
        for n in range(3):
            llmock_clean.script(reply("anthropic", turn_json(f"{NARRATIVE} ({n})")))
            _, sink = await teller.act(f"work the bellows, try {n}")
            assert sink.text == f"{NARRATIVE} ({n})"
            assert "mock" not in sink.text  # nothing of the cut replies stays on screen
        for _, narration in await teller.told():
            assert narration.usage is not None and narration.usage.provider == "backup"
            assert narration_text(narration).count(NARRATIVE) == 1
        # each call tried twice, then handed on (llmock, seeing only its own side, calls
        # the last cut attempt of each "accepted": it cannot see the backup tell it)
        assert len(cut.requests()) == 8
        findings = {f["code"] for f in cut.verdict()["findings"] if f["severity"] == "error"}
        assert findings <= {"truncated_stream_accepted"}


SOAK_TURNS = 8


async def test_a_flaky_server_loses_no_action_over_a_session(llmock_clean, storyteller, caplog):
    """Every fault llmock knows, at random, from its command line; the backup is clean.
    Whatever llmock draws, each action is told once, by a model, without a traceback."""
    caplog.set_level(logging.INFO)
    flags = [
        *("--error-rate", "429=0.1", "--error-rate", "503=0.1", "--error-rate", "500=0.1"),
        *("--stream-fault", "disconnect=0.1", "--stream-fault", "truncate=0.1"),
        *("--stream-fault", "malformed=0.1", "--stream-fault", "stall=0.1"),
        *("--stream-stall-seconds", "1"),
    ]
    with LlmockServer(*flags) as flaky:
        teller = storyteller(
            ("local", "openai-compatible", flaky.openai_url),
            ("backup", "anthropic", llmock_clean.anthropic_url),
            max_retries=1,
            stall_timeout=STALL_TIMEOUT,
        )
        await teller.start()
        for n in range(SOAK_TURNS):
            result, sink = await teller.act(f"look around, time {n}")
            told = [x.text for x in result.lines if x.kind == "narration"]
            # llmock's own narrative, told once (a line its reply gives to a speaker nobody
            # here answers to follows as narration)
            assert told[0] == "mock-narrative" and told.count("mock-narrative") == 1, told
            assert sink.text == "mock-narrative"
        told = await teller.told()
        assert [a for a, _ in told] == [f"look around, time {n}" for n in range(SOAK_TURNS)]
        assert all(FALTERED not in narration_text(n) for _, n in told)
        faults = [r for r in flaky.requests() if r.get("fault") or r["status"] >= 400]
        verdict = flaky.verdict()
    # llmock calls a cut stream "accepted" when the retry that replaced it went to the
    # backup, which it cannot see; every turn above was told whole, once
    errors = {f["code"] for f in verdict["findings"] if f["severity"] == "error"}
    assert errors <= {"truncated_stream_accepted"}, verdict["findings"]
    assert not tracebacks(caplog.records)
    print(f"\n{len(faults)} fault(s) over {SOAK_TURNS} turns, sleeps {teller.sleeps}")
