"""The emulator's gateway: one websocket session speaking Discord's v10 protocol.

HELLO with the heartbeat interval, IDENTIFY answered by READY then GUILD_CREATE,
heartbeats acknowledged, RESUME replaying what the client missed (and, on request,
events it already had, as a resumed Discord session sometimes does). Frames are plain
JSON text: discord.py asks for ``compress=zlib-stream`` in the URL but only
decompresses binary frames, so text frames reach its JSON parser untouched.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import WSMsgType, web

from tests.emulator.payloads import Json, World

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, REQUEST_MEMBERS = 0, 1, 2, 6, 8
INVALID_SESSION, HELLO, HEARTBEAT_ACK = 9, 10, 11
PRESENCE_UPDATE, VOICE_STATE_UPDATE = 3, 4


class Gateway:
    def __init__(self, world: World, url: str, heartbeat_interval_ms: int) -> None:
        self.world = world
        self.url = url
        self.heartbeat_interval_ms = heartbeat_interval_ms
        #: Set between READY (or RESUMED) and the connection dropping.
        self.ready = asyncio.Event()
        self.identify: Json | None = None
        self.heartbeats = 0
        self.resumes = 0
        self._session_id = ""
        self._sequence = 0
        self._sent: list[Json] = []  # dispatches of this session, for RESUME
        self._replay_on_resume = 0
        self._socket: web.WebSocketResponse | None = None
        self._send_lock = asyncio.Lock()

    async def dispatch(self, event: str, data: Json) -> None:
        """Send a DISPATCH event (waiting for the client to be connected and identified)."""
        await asyncio.wait_for(self.ready.wait(), 10)
        await self._dispatch_now(event, data)

    async def drop_connection(self, *, replay: int = 0) -> None:
        """Close the socket as Discord does on a hiccup; on RESUME, replay the last ``replay``
        dispatches again (a resumed session may deliver an event twice)."""
        self._replay_on_resume = replay
        self.ready.clear()
        if self._socket is not None:
            await self._socket.close(code=4000, message=b"emulated hiccup")

    async def close(self) -> None:
        if self._socket is not None and not self._socket.closed:
            await self._socket.close(code=1000)

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(compress=False, max_msg_size=0)
        await socket.prepare(request)
        self._socket = socket
        await self._send({"op": HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        async for frame in socket:
            if frame.type is not WSMsgType.TEXT:
                break
            await self._on_frame(json.loads(frame.data))
        return socket

    async def _dispatch_now(self, event: str, data: Json) -> None:
        self._sequence += 1
        frame = {"op": DISPATCH, "t": event, "s": self._sequence, "d": data}
        self._sent.append(frame)
        await self._send(frame)

    async def _send(self, frame: Json) -> None:
        socket = self._socket
        if socket is None or socket.closed:
            log.debug("dropping %s: no gateway connection", frame.get("t") or frame["op"])
            return
        async with self._send_lock:
            await socket.send_str(json.dumps(frame))

    async def _on_frame(self, frame: Json) -> None:
        op, data = frame.get("op"), frame.get("d") or {}
        if op == HEARTBEAT:
            self.heartbeats += 1
            await self._send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            self.identify = data
            self._session_id = self.world.ids.next()
            self._sequence, self._sent = 0, []
            await self._dispatch_now("READY", self.world.ready(self._session_id, self.url))
            await self._dispatch_now("GUILD_CREATE", self.world.guild())
            self.ready.set()
        elif op == RESUME:
            await self._resume(data)
        elif op == REQUEST_MEMBERS:
            await self._dispatch_now("GUILD_MEMBERS_CHUNK", {
                "guild_id": self.world.guild_id, "chunk_index": 0, "chunk_count": 1,
                "members": [m.payload() for m in self.world.members.values()],
                "nonce": data.get("nonce")})
        elif op not in (PRESENCE_UPDATE, VOICE_STATE_UPDATE):  # these need no answer
            log.warning("unexpected gateway opcode %s", op)

    async def _resume(self, data: Json) -> None:
        if data.get("session_id") != self._session_id:
            await self._send({"op": INVALID_SESSION, "d": False})
            return
        self.resumes += 1
        missed = [f for f in self._sent if f["s"] > (data.get("seq") or 0)]
        if self._replay_on_resume:
            missed = self._sent[-self._replay_on_resume:] + missed
            self._replay_on_resume = 0
        for frame in missed:
            await self._send(frame)
        await self._dispatch_now("RESUMED", {"_trace": ["draftcoach-emulator"]})
        self.ready.set()
