"""How long to wait for a provider: the default time to the first byte.

The wait before the first event of a reply is the server reading the prompt. A
local server on a CPU reads a few hundred tokens a second, so a cold first turn
(a 4,000-token prompt) takes tens of seconds before anything streams; a hosted
API starts in a second or two. So the first-byte limit is generous for local and
OpenAI-compatible servers and shorter for hosted APIs; once the reply streams,
``stall_timeout`` (the same for both) bounds any pause.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOCAL_FIRST_BYTE_TIMEOUT = 300.0
"""Seconds to the first byte for an OpenAI-compatible kind or a server on this machine
or the local network (a CPU reading a long prompt)."""
HOSTED_FIRST_BYTE_TIMEOUT = 60.0
"""Seconds to the first byte for a hosted API (OpenAI, Anthropic)."""


def is_local_url(base_url: str | None) -> bool:
    """True for a server on this machine or a private network (``localhost``,
    ``127.0.0.1``, ``10.x``, ``192.168.x``, ``*.local``, ``host.docker.internal``)."""
    if not base_url:
        return False
    host = urlsplit(base_url if "://" in base_url else f"http://{base_url}").hostname or ""
    host = host.lower()
    if host in ("localhost", "host.docker.internal") or host.endswith((".local", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_unspecified


def default_first_byte_timeout(base_url: str | None, *, compatible: bool = False) -> float:
    """``LOCAL_FIRST_BYTE_TIMEOUT`` for an OpenAI-compatible server or a local address,
    else ``HOSTED_FIRST_BYTE_TIMEOUT``."""
    if compatible or is_local_url(base_url):
        return LOCAL_FIRST_BYTE_TIMEOUT
    return HOSTED_FIRST_BYTE_TIMEOUT
