"""The recording proxy the real-model tier puts in front of llama-server: what passes
through it is unchanged, and it keeps every request body as sent. (No model needed.)"""

from __future__ import annotations

import json

import openai
from fakes.llm_server import fake_llm_server

from realmodel.proxy import RecordingProxy


async def test_streams_pass_unchanged_and_every_request_body_is_kept():
    async with fake_llm_server() as server:
        with RecordingProxy(int(server.url.rsplit(":", 1)[1])) as proxy:
            client = openai.AsyncOpenAI(api_key="k", base_url=proxy.base_url + "/v1")
            replies = []
            for text in ("The door creaks open.", "Snow falls on the shrine."):
                server.push(text)
                stream = await client.chat.completions.create(
                    model="m",
                    messages=[{"role": "user", "content": f"tell: {text}"}],
                    stream=True,
                )
                replies.append("".join([c.choices[0].delta.content or "" async for c in stream]))
            await client.close()
            assert replies == ["The door creaks open.", "Snow falls on the shrine."]
            recorded = proxy.requests()
            assert [(r.method, r.path) for r in recorded] == [("POST", "/v1/chat/completions")] * 2
            assert [r.json()["messages"][0]["content"] for r in recorded] == [
                "tell: The door creaks open.",
                "tell: Snow falls on the shrine.",
            ]
            # byte for byte what the server received
            assert [json.loads(r.body) for r in recorded] == [r.body for r in server.requests]
            # and each response as it came back, in the same order
            replies = proxy.replies()
            assert [r.status for r in replies] == [200, 200] and all(r.done for r in replies)
            texts = ("The door creaks open.", "Snow falls on the shrine.")
            for reply, text in zip(replies, texts, strict=True):
                told = [e["choices"][0]["delta"].get("content") or "" for e in reply.events()]
                assert "".join(told) == text
            mark = proxy.mark()
            assert proxy.requests(since=mark) == [] and proxy.replies(since=mark) == []
