"""The voice side of ``FakeDiscord``: voice states on the main gateway, a voice
WebSocket and a UDP voice server, modelled as far as discord.py 2.7's ``VoiceClient``
needs to join a channel and send audio (read from discord.py's ``voice_state.py``,
``gateway.DiscordVoiceWebSocket`` and ``voice_client.py``; exercised by
``tests/fakes_discord/test_fake_discord_voice.py``).

What is modelled:

- Main gateway op 4 (VOICE_STATE_UPDATE) from the bot: the fake answers with the
  ``VOICE_STATE_UPDATE`` dispatch (the bot's voice state, with its gateway session id)
  and, when joining, ``VOICE_SERVER_UPDATE`` (a token and the endpoint
  ``127.0.0.1:<port>/voice``); ``channel_id: null`` leaves. Humans join and leave
  with ``move_voice`` (a ``VOICE_STATE_UPDATE`` dispatch; GUILD_CREATE lists the voice
  states already there).
- The voice WebSocket (``/voice/?v=8``): HELLO (op 8) first; IDENTIFY (op 0, checked:
  server id, user id, the session id and token just handed out) answered by READY (op 2:
  ssrc, ip 127.0.0.1, the UDP port, the modes); SELECT_PROTOCOL (op 1, checked: udp and a
  mode offered) answered by SESSION_DESCRIPTION (op 4: the mode, a random 32-byte secret
  key, ``dave_protocol_version`` 0); HEARTBEAT (op 3) answered by HEARTBEAT_ACK (op 6,
  echoing ``t``); SPEAKING (op 5) recorded. DAVE (end-to-end encryption, ops 21-31) is
  never used: discord.py 2.7 refuses voice without the ``davey`` package and announces
  ``max_dave_protocol_version`` 1 in IDENTIFY (kept as ``max_dave``), but it only starts
  a DAVE session when SESSION_DESCRIPTION says a version above 0, and the fake says 0
  (as Discord does for a call it does not end-to-end encrypt), so the audio is
  transport-encrypted only and the Opus payloads are readable. No RESUME, no
  CLIENT_CONNECT of other users, no video.
- UDP: IP discovery (a 74-byte request of type 1 answered by type 2 with the address
  and port seen), then RTP packets (version 2, payload type 0x78) decrypted with the
  session's mode (``aead_xchacha20_poly1305_rtpsize``, the one offered; the header is the
  additional data and the 4-byte nonce suffix is checked to increase). Each packet's
  sequence number, timestamp and Opus payload are kept; a packet that does not decrypt
  is a violation. Nothing is sent back (no receive side).

Endpoints are plain ``ws://``: discord.py asks for ``wss://<endpoint>``, and the
harness's ``patched_endpoints`` rewrites that scheme for this fake's address only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import nacl.secret
from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .server import FakeDiscord, FakeUser, GatewaySession

MODES = ["aead_xchacha20_poly1305_rtpsize"]
OPUS_SILENCE = b"\xf8\xff\xfe"
"""The frame discord.py sends five of after each source it plays."""


@dataclass
class Frame:
    sequence: int
    timestamp: int
    opus: bytes

    @property
    def silent(self) -> bool:
        return self.opus == OPUS_SILENCE


@dataclass
class VoiceConnection:
    """One voice WebSocket session (and the UDP packets of its ssrc)."""

    guild_id: int
    user_id: int
    session_id: str
    ssrc: int
    secret_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    mode: str | None = None
    address: tuple[str, int] | None = None
    """The client's UDP address, from IP discovery."""
    ops: list[int] = field(default_factory=list)
    """Every opcode the client sent, in order."""
    speaking: list[int] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    nonces: list[int] = field(default_factory=list)
    closed: bool = False
    max_dave: int = 0
    """The DAVE version the client said it speaks (the fake answers 0: not used)."""

    @property
    def ready(self) -> bool:
        return self.mode is not None

    def lines(self) -> list[list[Frame]]:
        """The audio frames of each source played to its end, in order (discord.py ends
        each with a run of silence frames; a source still playing is left out)."""
        out: list[list[Frame]] = []
        current: list[Frame] = []
        for frame in self.frames:
            if frame.silent:
                if current:
                    out.append(current)
                current = []
            else:
                current.append(frame)
        return out


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, voice: FakeVoice) -> None:
        self.voice = voice
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.voice.packet(data, addr)


class FakeVoice:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.states: dict[int, int] = {}
        """``{user id: voice channel id}``: who is in which voice channel."""
        self.bot_session: dict[int, str] = {}
        """``{guild id: the bot's gateway session id}`` while it joins or is joined."""
        self.tokens: dict[str, int] = {}
        """``{voice token: guild id}`` handed out in VOICE_SERVER_UPDATE."""
        self.connections: list[VoiceConnection] = []
        self.udp_port = 0
        self._udp: _Udp | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/voice/", self._handle)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: _Udp(self), local_addr=("127.0.0.1", 0)
        )
        self._udp = protocol
        self.udp_port = transport.get_extra_info("sockname")[1]

    def close(self) -> None:
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.close()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.fake.port}/voice"

    # --- the main gateway -----------------------------------------------------------------

    def voice_state(self, user: FakeUser, channel_id: int | None, session_id: str) -> dict:
        return {
            "guild_id": str(self.fake.guild_id),
            "channel_id": str(channel_id) if channel_id else None,
            "user_id": str(user.id),
            "member": self.fake.member_payload(user),
            "session_id": session_id,
            "deaf": False,
            "mute": False,
            "self_deaf": user.bot,
            "self_mute": False,
            "self_video": False,
            "suppress": False,
            "request_to_speak_timestamp": None,
        }

    def guild_voice_states(self) -> list[dict]:
        return [
            self.voice_state(self.fake.user(uid), cid, f"human-{uid}")
            for uid, cid in self.states.items()
            if uid != self.fake.bot_user.id
        ]

    async def move(self, who: FakeUser, channel_id: int | None) -> None:
        """A human joins ``channel_id`` (None: leaves voice)."""
        if channel_id is None:
            self.states.pop(who.id, None)
        else:
            self.states[who.id] = channel_id
        await self.fake.dispatch(
            "VOICE_STATE_UPDATE", self.voice_state(who, channel_id, f"human-{who.id}")
        )

    async def op4(self, session: GatewaySession, d: dict) -> None:
        """The bot's VOICE_STATE_UPDATE (op 4): join, move or leave a voice channel."""
        guild_id = int(d["guild_id"])
        channel = d.get("channel_id")
        bot = self.fake.bot_user
        if channel is not None:
            target = self.fake.channels.get(int(channel))
            if target is None or target.type != 2:
                self.fake._violate("gateway", f"op 4 to {channel}, not a voice channel")
                return
            self.states[bot.id] = target.id
            self.bot_session[guild_id] = session.session_id or ""
        else:
            self.states.pop(bot.id, None)
            self.bot_session.pop(guild_id, None)
        state = self.voice_state(bot, int(channel) if channel else None, session.session_id or "")
        await session.send(0, state, "VOICE_STATE_UPDATE")
        if channel is not None:
            token = secrets.token_hex(8)
            self.tokens[token] = guild_id
            server = {"token": token, "guild_id": str(guild_id), "endpoint": self.endpoint}
            await session.send(0, server, "VOICE_SERVER_UPDATE")
        self.fake._notify()

    # --- the voice WebSocket ----------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        if request.query.get("v") != "8":
            self.fake._violate("voice", f"voice gateway version {request.query.get('v')!r}")
        await ws.send_json({"op": 8, "d": {"heartbeat_interval": 13750}})
        conn: VoiceConnection | None = None
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    self.fake._violate("voice", "a binary voice frame (DAVE was not offered)")
                    continue
                frame = json.loads(msg.data)
                op, d = frame.get("op"), frame.get("d") or {}
                if conn is None and op != 0:
                    self.fake._violate("voice", f"voice op {op} before IDENTIFY")
                    await ws.close(code=4003)
                    break
                if op == 0:
                    conn = await self._identify(ws, d)
                    if conn is None:
                        break
                    conn.ops.append(0)
                    continue
                assert conn is not None
                conn.ops.append(op)
                if op == 1:
                    await self._select(ws, conn, d)
                elif op == 3:
                    await ws.send_json({"op": 6, "d": d})
                elif op == 5:
                    if d.get("ssrc") != conn.ssrc:
                        self.fake._violate("voice", f"SPEAKING with ssrc {d.get('ssrc')}")
                    conn.speaking.append(int(d.get("speaking", 0)))
                else:
                    self.fake._violate("voice", f"unexpected voice op {op}")
                self.fake._notify()
        finally:
            if conn is not None:
                conn.closed = True
            self.fake._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, d: dict) -> VoiceConnection | None:
        guild_id = self.tokens.get(d.get("token", ""))
        expected = self.bot_session.get(guild_id or 0)
        if (
            guild_id is None
            or d.get("server_id") != str(guild_id)
            or d.get("user_id") != str(self.fake.bot_user.id)
            or d.get("session_id") != expected
        ):
            self.fake._violate("voice", f"voice IDENTIFY refused: {d}")
            await ws.close(code=4004)
            return None
        conn = VoiceConnection(
            guild_id, self.fake.bot_user.id, d["session_id"], 1000 + len(self.connections)
        )
        conn.max_dave = int(d.get("max_dave_protocol_version", 0))
        self.connections.append(conn)
        ready = {
            "ssrc": conn.ssrc,
            "ip": "127.0.0.1",
            "port": self.udp_port,
            "modes": MODES,
            "heartbeat_interval": 1,  # ignored by clients, as on Discord
        }
        await ws.send_json({"op": 2, "d": ready})
        return conn

    async def _select(self, ws: web.WebSocketResponse, conn: VoiceConnection, d: dict) -> None:
        data = d.get("data") or {}
        if d.get("protocol") != "udp" or data.get("mode") not in MODES:
            self.fake._violate("voice", f"SELECT_PROTOCOL refused: {d}")
            await ws.close(code=4016)
            return
        if conn.address is None or (data.get("address"), data.get("port")) != conn.address:
            self.fake._violate("voice", f"SELECT_PROTOCOL before IP discovery or wrong: {d}")
        conn.mode = data["mode"]
        description = {
            "mode": conn.mode,
            "secret_key": list(conn.secret_key),
            "dave_protocol_version": 0,
        }
        await ws.send_json({"op": 4, "d": description})

    # --- UDP -----------------------------------------------------------------------------

    def _by_ssrc(self, ssrc: int) -> VoiceConnection | None:
        return next((c for c in reversed(self.connections) if c.ssrc == ssrc), None)

    def packet(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) == 74 and data[:4] == b"\x00\x01\x00\x46":
            self._discovery(data, addr)
        elif len(data) > 12 and data[0] == 0x80 and data[1] == 0x78:
            self._rtp(data)
        else:
            self.fake._violate("voice", f"an unknown UDP packet of {len(data)} bytes")
        self.fake._notify()

    def _discovery(self, data: bytes, addr: tuple[str, int]) -> None:
        (ssrc,) = struct.unpack_from(">I", data, 4)
        conn = self._by_ssrc(ssrc)
        if conn is None:
            self.fake._violate("voice", f"IP discovery for unknown ssrc {ssrc}")
            return
        conn.address = addr
        answer = bytearray(74)
        struct.pack_into(">HHI", answer, 0, 2, 70, ssrc)
        ip = addr[0].encode("ascii")
        answer[8 : 8 + len(ip)] = ip
        struct.pack_into(">H", answer, 72, addr[1])
        assert self._udp is not None and self._udp.transport is not None
        self._udp.transport.sendto(bytes(answer), addr)

    def _rtp(self, data: bytes) -> None:
        header = data[:12]
        sequence, timestamp, ssrc = struct.unpack_from(">HII", header, 2)
        conn = self._by_ssrc(ssrc)
        if conn is None or conn.mode is None:
            self.fake._violate("voice", f"audio for ssrc {ssrc} before SESSION_DESCRIPTION")
            return
        nonce_suffix = data[-4:]
        nonce = nonce_suffix + bytes(20)
        try:
            opus = nacl.secret.Aead(conn.secret_key).decrypt(data[12:-4], header, nonce)
        except Exception:
            self.fake._violate("voice", f"an audio packet (seq {sequence}) did not decrypt")
            return
        (counter,) = struct.unpack(">I", nonce_suffix)
        if conn.nonces and counter <= conn.nonces[-1]:
            self.fake._violate("voice", f"a nonce reused or going back ({counter})")
        conn.nonces.append(counter)
        conn.frames.append(Frame(sequence, timestamp, opus))


def voice_stack_missing() -> str | None:
    """Why discord.py cannot send voice on this machine, or None when it can: voice
    needs PyNaCl and davey (``storyai[media]``) and the system's libopus."""
    try:
        import davey  # noqa: F401
    except ImportError:
        return "davey is not installed (pip install 'storyai[media]')"
    import discord.opus

    if not discord.opus.is_loaded():
        with contextlib.suppress(Exception):
            discord.opus._load_default()
    if not discord.opus.is_loaded():
        return "libopus is not installed (Debian/Ubuntu: apt-get install libopus0)"
    return None
