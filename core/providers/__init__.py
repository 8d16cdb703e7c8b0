"""Model providers: SDK adapters behind ``ModelPort``, their settings, and a probe.

* ``openai_chat.OpenAIChatAdapter`` – Chat Completions (OpenAI and compatible servers)
* ``openai_responses.OpenAIResponsesAdapter`` – the Responses API
* ``anthropic_messages.AnthropicMessagesAdapter`` – Anthropic Messages
* ``settings`` – ``load_settings``, ``build_port``, ``describe``
* ``probe.probe`` – a tiny request that tells whether a provider answers
* ``errors`` – SDK exceptions mapped to ``ProviderError``, keys redacted

The SDKs are imported when an adapter is built, not when this package is.
"""
