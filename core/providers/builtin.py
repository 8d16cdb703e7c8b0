"""The provider kinds storyai ships, registered like a plugin's (see ``registry``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storyai.core.providers.registry import PortSpec, ProviderKind, Register

if TYPE_CHECKING:
    from storyai.core.llm.port import ModelPort

OPENAI_URL = "https://api.openai.com/v1"


def openai_chat(spec: PortSpec) -> ModelPort:
    from storyai.core.providers.openai_chat import OpenAIChatAdapter

    return OpenAIChatAdapter(**spec.adapter_args())


def openai_compatible(spec: PortSpec) -> ModelPort:
    from storyai.core.providers.openai_chat import OpenAIChatAdapter

    return OpenAIChatAdapter(**spec.adapter_args(), compatible=True)


def openai_responses(spec: PortSpec) -> ModelPort:
    from storyai.core.providers.openai_responses import OpenAIResponsesAdapter

    return OpenAIResponsesAdapter(**spec.adapter_args())


def anthropic_messages(spec: PortSpec) -> ModelPort:
    from storyai.core.providers.anthropic_messages import AnthropicMessagesAdapter

    return AnthropicMessagesAdapter(**spec.adapter_args())


def register_providers(register: Register) -> None:
    register(
        ProviderKind(
            "openai",
            openai_chat,
            key_env="OPENAI_API_KEY",
            base_url=OPENAI_URL,
            summary="OpenAI, Chat Completions",
        )
    )
    register(
        ProviderKind(
            "openai-responses",
            openai_responses,
            key_env="OPENAI_API_KEY",
            base_url=OPENAI_URL,
            summary="OpenAI, Responses API",
        )
    )
    register(
        ProviderKind(
            "anthropic",
            anthropic_messages,
            key_env="ANTHROPIC_API_KEY",
            base_url="https://api.anthropic.com",
            summary="Anthropic Messages",
        )
    )
    register(
        ProviderKind(
            "openai-compatible",
            openai_compatible,
            summary="a server speaking Chat Completions: Ollama, llama.cpp, vLLM, LM Studio",
            needs_base_url=True,
        )
    )
