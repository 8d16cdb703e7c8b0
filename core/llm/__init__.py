"""Language models behind one small port: requests, streamed chunks, usage, errors.

The domain never imports an SDK. Adapters for OpenAI, Anthropic and local
OpenAI-compatible servers live in ``storyai.core.providers``; the in-memory
fake lives in ``storyai.core.llm.fake``; the router in ``storyai.core.llm.router``.
"""
