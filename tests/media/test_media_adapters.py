"""Each media adapter against a local fake speaking its wire format, with scripted
faults mapped like text providers' errors (429, 5xx, auth, content refusal)."""

from __future__ import annotations

import base64

import pytest
from fakes.media_server import FakeMediaServer, MediaFault

from storyai.core.domain.errors import (
    AuthFailed,
    ContentRefused,
    NoProviderAnswered,
    ProviderUnavailable,
    RateLimited,
    StreamBroken,
)
from storyai.core.media.adapters.automatic1111 import Automatic1111
from storyai.core.media.adapters.elevenlabs import ElevenLabsSpeech
from storyai.core.media.adapters.espeak import EspeakSpeech, espeak_binary
from storyai.core.media.adapters.openai_media import OpenAIImages, OpenAISpeech
from storyai.core.media.port import ImageRequest, SpeechRequest, sniff_image
from storyai.core.media.router import MediaRouter

KEY = "sk-test-secret-key-123456"


@pytest.fixture
async def server():
    async with FakeMediaServer() as fake:
        yield fake


async def _no_sleep(_: float) -> None:
    return None


async def test_openai_images_through_the_sdk_draws_and_sends_the_reference(server):
    images = OpenAIImages("oai", api_key=KEY, base_url=server.openai_base_url)
    try:
        first = await images.generate(ImageRequest("A red fox", size="1024x1536", seed=7))
        assert first.mime == "image/png" and sniff_image(first.data) == "image/png"
        sent = server.requests[-1]
        assert sent.path == "/v1/images/generations"
        assert sent.body["prompt"] == "A red fox" and sent.body["size"] == "1024x1536"
        assert sent.headers["Authorization"] == f"Bearer {KEY}"
        again = await images.generate(ImageRequest("A red fox, running"), reference=first.data)
        assert again.mime == "image/png"
        edit = server.requests[-1]
        assert edit.path == "/v1/images/edits" and edit.files["image"] == first.data
    finally:
        await images.aclose()


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        (MediaFault(429, "slow down", "rate_limit_exceeded", retry_after="3"), RateLimited, "429"),
        (MediaFault(503, "down"), ProviderUnavailable, "HTTP 503"),
        (MediaFault(401, f"bad key {KEY}", "invalid_api_key"), AuthFailed, "rejected the API key"),
        (
            MediaFault(400, "Your request was rejected by our safety system", "content_policy"),
            ContentRefused,
            "refused to make this",
        ),
        (MediaFault(garbled=True), StreamBroken, "could not be read"),
    ],
)
async def test_openai_image_faults_are_mapped_and_never_show_the_key(server, fault, error, words):
    server.push_fault(fault)
    images = OpenAIImages("oai", api_key=KEY, base_url=server.openai_base_url)
    try:
        with pytest.raises(error) as caught:
            await images.generate(ImageRequest("A fox"))
    finally:
        await images.aclose()
    assert words in caught.value.message and KEY not in caught.value.message
    if fault.retry_after:
        assert caught.value.retry_after == 3.0


async def test_openai_speech_through_the_sdk_sends_the_voice(server):
    speech = OpenAISpeech("tts", api_key=KEY, base_url=server.openai_base_url)
    try:
        audio = await speech.synthesize(SpeechRequest("Welcome, traveller.", voice="onyx"))
    finally:
        await speech.aclose()
    assert audio.mime == "audio/mpeg"
    sent = server.requests[-1]
    assert sent.path == "/v1/audio/speech"
    assert sent.body["voice"] == "onyx" and sent.body["input"] == "Welcome, traveller."


async def test_automatic1111_sends_the_seed_and_uses_img2img_with_a_reference(server):
    forge = Automatic1111("forge", base_url=server.url, steps=12)
    try:
        first = await forge.generate(ImageRequest("A lighthouse", seed=1234, negative="text"))
        body = server.requests[-1].body
        assert server.requests[-1].path == "/sdapi/v1/txt2img"
        assert body["seed"] == 1234 and body["steps"] == 12 and body["negative_prompt"] == "text"
        await forge.generate(ImageRequest("A lighthouse at night", seed=1234), reference=first.data)
        assert server.requests[-1].path == "/sdapi/v1/img2img"
        assert base64.b64decode(server.requests[-1].body["init_images"][0]) == first.data
        server.push_fault(MediaFault(500, "CUDA out of memory"))
        with pytest.raises(ProviderUnavailable, match="CUDA out of memory"):
            await forge.generate(ImageRequest("A lighthouse"))
        server.push_fault(MediaFault(garbled=True))
        with pytest.raises(StreamBroken):
            await forge.generate(ImageRequest("A lighthouse"))
    finally:
        await forge.aclose()


async def test_a_server_that_is_not_there_is_unavailable():
    forge = Automatic1111("forge", base_url="http://127.0.0.1:9", timeout=5)
    try:
        with pytest.raises(ProviderUnavailable, match="cannot reach"):
            await forge.generate(ImageRequest("A lighthouse"))
    finally:
        await forge.aclose()


async def test_elevenlabs_over_http_with_its_key_header(server):
    voice = ElevenLabsSpeech("eleven", api_key="el-test-key", base_url=server.url)
    wrong = ElevenLabsSpeech("eleven", api_key="el-wrong-key", base_url=server.url)
    try:
        audio = await voice.synthesize(SpeechRequest("Hello there.", voice="v123"))
        assert audio.mime == "audio/mpeg"
        sent = server.requests[-1]
        assert sent.path == "/v1/text-to-speech/v123" and sent.body["text"] == "Hello there."
        with pytest.raises(AuthFailed) as caught:
            await wrong.synthesize(SpeechRequest("Hello there."))
        assert "el-wrong-key" not in caught.value.message
        server.push_fault(MediaFault(429, "too many", "rate_limited", retry_after="1"))
        with pytest.raises(RateLimited):
            await voice.synthesize(SpeechRequest("Hello there."))
    finally:
        await voice.aclose()
        await wrong.aclose()


async def test_the_router_retries_then_fails_over_and_gives_up_with_every_reason(server):
    first = OpenAIImages("oai", api_key=KEY, base_url=server.openai_base_url)
    second = Automatic1111("forge", base_url=server.url)
    router = MediaRouter(images=[first, second], retries=1, sleep=_no_sleep)
    try:
        server.push_fault(MediaFault(503, "down"), MediaFault(503, "still down"))
        picture = await router.draw(ImageRequest("A fox"))
        assert picture.provider == "forge"
        assert [r.path for r in server.requests[-3:]] == [
            "/v1/images/generations",
            "/v1/images/generations",
            "/sdapi/v1/txt2img",
        ]
        server.push_fault(
            MediaFault(400, "rejected by the safety system", "content_policy"),
            MediaFault(500, "broken"),
            MediaFault(500, "broken again"),
        )
        with pytest.raises(NoProviderAnswered) as caught:
            await router.draw(ImageRequest("A fox"))
        assert (
            "refused to make this" in caught.value.message
            and "broken again" in caught.value.message
        )
    finally:
        await router.aclose()


@pytest.mark.skipif(
    espeak_binary() is None,
    reason="espeak-ng is not installed (apt install espeak-ng; .ci/run installs it as root)",
)
async def test_espeak_speaks_offline():
    audio = await EspeakSpeech().synthesize(SpeechRequest("The door creaks open.", voice="en"))
    assert audio.mime == "audio/wav" and len(audio.data) > 1000
