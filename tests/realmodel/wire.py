"""Configuring providers as a user does, and reading back what went over the wire."""

from __future__ import annotations

from pathlib import Path

from realmodel.proxy import Recorded
from storyai.core.llm.port import ModelRequest, PromptSection

MODEL = "smollm2-135m-instruct"
"""What the settings call the model; llama-server serves its one model under any name."""
PROVIDER = "llama"


def config_toml(kind: str, base_url: str, structured: str) -> str:
    """A user's ``config.toml`` for a local llama-server (README, "The AI game master").

    Generous timeouts: a 2-core machine evaluates a few thousand prompt tokens slowly.
    No retries: what llama-server cannot do, it cannot do on a second try either."""
    return f"""\
narration = ["{PROVIDER}"]
summary = ["{PROVIDER}"]

[providers.{PROVIDER}]
kind = "{kind}"
base_url = "{base_url}"
model = "{MODEL}"
structured = "{structured}"
timeout = 600
stall_timeout = 300
max_retries = 0

[prices."{MODEL}"]
input = 0.0
output = 0.0
"""


def write_config(path: Path, kind: str, base_url: str, structured: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_toml(kind, base_url, structured), encoding="utf-8")
    return path


def first_narration_requests(recorded: list[Recorded]) -> list[Recorded]:
    """The narration requests of each turn in order, without repair requests (they carry
    more than the one user turn: the broken reply and the request to fix it), chapter
    summaries or warm-ups for the next turn."""
    out = []
    for request in recorded:
        if request.method != "POST" or not request.body:
            continue
        body = request.json()
        if len(_turns(body)) == 1 and not _is_summary(body) and not is_warmup(body):
            out.append(request)
    return out


def warmups(recorded: list[Recorded]) -> list[Recorded]:
    """The warm-ups sent after turns (``play/warming.py``), in order."""
    return [r for r in recorded if r.method == "POST" and r.body and is_warmup(r.json())]


def is_warmup(body: dict) -> bool:
    """A warm-up asks for one token: the next turn's stable prompt, read into the cache."""
    limits = ("max_tokens", "max_completion_tokens", "max_output_tokens")
    return any(body.get(key) == 1 for key in limits)


def _turns(body: dict) -> list[dict]:
    """The conversation after the system prompt, in any of the three formats."""
    if "input" in body:
        return list(body["input"])
    return [m for m in body.get("messages") or [] if m.get("role") != "system"]


def _is_summary(body: dict) -> bool:
    system = body.get("system") or body.get("instructions") or ""
    if isinstance(system, list):
        system = " ".join(b.get("text", "") for b in system)
    if not system:
        messages = body.get("messages") or []
        if messages and messages[0].get("role") == "system":
            system = messages[0].get("content") or ""
    return "You keep the chronicle" in str(system)


def sent_prompt(kind: str, request: Recorded) -> tuple[list[str], list[str]]:
    """The system and user texts the server received, as the adapter of ``kind`` lays
    them out: one string each (chat, responses) or one per block (anthropic)."""
    body = request.json()
    if kind == "anthropic":
        system = [b["text"] for b in body.get("system", [])]
        user = [b["text"] for b in body["messages"][0]["content"]]
        return system, user
    if kind == "openai-responses":
        return [body.get("instructions", "")], [body["input"][0]["content"]]
    messages = body["messages"]
    assert [m["role"] for m in messages] == ["system", "user"], messages
    return [messages[0]["content"]], [messages[1]["content"]]


def expected_prompt(kind: str, sections: list[PromptSection]) -> tuple[list[str], list[str]]:
    """What the adapter of ``kind`` sends for ``sections`` (the layout ``sent_prompt`` reads)."""
    if kind == "anthropic":
        system = [s.text for s in sections if s.role == "system" and s.text]
        user = [s.text for s in sections if s.role == "user" and s.text]
        return system, user
    request = ModelRequest(task="narration", sections=tuple(sections))
    return [request.system_text], [request.user_text]
