"""Automatic1111 / Forge: ``POST /sdapi/v1/txt2img`` (``img2img`` from the subject's
reference picture) over HTTP, JSON in, base64 PNGs out. The seed goes through as is:
the same spec gives the same face."""

from __future__ import annotations

import base64
import binascii

import httpx

from storyai.core.media.adapters.errors import MediaErrors, checked
from storyai.core.media.port import ImageGenerator, ImageRequest, Media, sniff_image

REFERENCE_STRENGTH = 0.55
"""img2img denoising: how far a new picture may move from the reference."""


class Automatic1111(ImageGenerator):
    def __init__(
        self, name: str, *, base_url: str, timeout: float = 120.0, steps: int = 25
    ) -> None:
        self.name = name
        self.model = "automatic1111"
        self.base_url = base_url.rstrip("/")
        self.steps = steps
        self._errors = MediaErrors(name, base_url=self.base_url)
        self._http = httpx.AsyncClient(timeout=timeout)

    async def generate(self, request: ImageRequest, *, reference: bytes | None = None) -> Media:
        body: dict[str, object] = {
            "prompt": request.prompt,
            "negative_prompt": request.negative,
            "seed": request.seed,
            "width": request.width // 2 if request.width > 1024 else request.width,
            "height": request.height // 2 if request.height > 1024 else request.height,
            "steps": self.steps,
            "batch_size": 1,
            "n_iter": 1,
        }
        path = "/sdapi/v1/txt2img"
        if reference is not None:
            path = "/sdapi/v1/img2img"
            body["init_images"] = [base64.b64encode(reference).decode()]
            body["denoising_strength"] = REFERENCE_STRENGTH
        try:
            response = await checked(
                await self._http.post(self.base_url + path, json=body), self._errors
            )
            data = base64.b64decode(response.json()["images"][0], validate=True)
        except (ValueError, KeyError, IndexError, TypeError, binascii.Error) as exc:
            raise self._errors.unreadable(exc) from exc
        except httpx.HTTPError as exc:
            raise self._errors.map(exc) from exc
        mime = sniff_image(data)
        if mime is None:
            raise self._errors.unreadable(ValueError("the reply holds no PNG, JPEG or WebP"))
        return Media(data, mime, self.name, self.model)

    async def aclose(self) -> None:
        await self._http.aclose()
