"""Model providers: SDK adapters behind ``ModelPort``, the kinds registry, and a probe.

* ``registry`` – provider kinds (kind → factory) and ``build_port``; plugins add kinds
* ``builtin`` – the kinds storyai ships, registered like a plugin's
* ``openai_chat.OpenAIChatAdapter`` – Chat Completions (OpenAI and compatible servers)
* ``openai_responses.OpenAIResponsesAdapter`` – the Responses API
* ``anthropic_messages.AnthropicMessagesAdapter`` – Anthropic Messages
* ``listing`` – ``describe``: what `storyai providers list` shows
* ``probe.probe`` – a tiny request that tells whether a provider answers
* ``errors`` – SDK exceptions mapped to ``ProviderError``, keys redacted

Their settings are part of the one settings tree (``storyai.core.config``). The SDKs
are imported when an adapter is built, not when this package is.
"""
