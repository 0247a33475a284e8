"""A real OpenAI-compatible chat-completions server on 127.0.0.1, scripted per test.

Each request takes the next scripted behaviour (an answer, an HTTP error, a hang, a
stream cut short); every request is recorded so tests can assert on what the model
was actually sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import ClientError, web


@dataclass(frozen=True)
class Answer:
    """A chat completion; streamed in ``chunk`` sized pieces when the client asks.

    ``content`` may be worked out from the request's body, as a model would.
    """

    content: str | Callable[[dict[str, Any]], str] | None
    refusal: str | None = None
    finish_reason: str = "stop"
    prompt_tokens: int = 120
    completion_tokens: int = 40
    delay: float = 0.0
    chunk: int = 7
    #: When streaming: close the connection after this many content chunks.
    cut_after: int | None = None
    #: When streaming: fall silent for a minute after this many content chunks.
    stall_after: int | None = None


@dataclass(frozen=True)
class Fail:
    status: int
    message: str = "scripted failure"
    headers: dict[str, str] = field(default_factory=dict)
    param: str | None = None
    delay: float = 0.0


@dataclass(frozen=True)
class Hang:
    seconds: float


Behaviour = Answer | Fail | Hang


@dataclass(frozen=True)
class Received:
    body: dict[str, Any]
    headers: dict[str, str]
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body["messages"]

    @property
    def user_text(self) -> str:
        return "\n".join(m["content"] for m in self.messages if m["role"] == "user")

    @property
    def streamed(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def format_type(self) -> str | None:
        fmt = self.body.get("response_format")
        return fmt["type"] if fmt else None


def answer_json(
    rewrite: str,
    suggestions: list[tuple[str, str]] | None = None,
    summary: str = "Made it about the reader.",
) -> str:
    if suggestions is None:
        suggestions = [("listen-first", "End with a question your readers can answer.")]
    return json.dumps({
        "rewrite": rewrite,
        "suggestions": [{"principle": p, "text": t} for p, t in suggestions],
        "summary": summary,
    })


class ModelServer:
    def __init__(self) -> None:
        self.script: deque[Behaviour] = deque()
        #: Served when the script is empty.
        self.fallback: Behaviour = Fail(500, "nothing scripted for this request")
        self.received: list[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    def then(self, *behaviours: Behaviour) -> ModelServer:
        self.script.extend(behaviours)
        return self

    def always(self, behaviour: Behaviour) -> ModelServer:
        self.fallback = behaviour
        return self

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=0.1
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/v1"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except (OSError, ClientError):
            # The client gave up (its deadline passed) before the request was read.
            return web.Response(status=499)
        self.received.append(Received(body, dict(request.headers), time.monotonic()))
        behaviour = self.script.popleft() if self.script else self.fallback
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._serve(request, body, behaviour)
        except (OSError, ClientError):
            return web.Response(status=499)  # the client left while it was answered
        finally:
            self.in_flight -= 1

    async def _serve(
        self, request: web.Request, body: dict[str, Any], behaviour: Behaviour
    ) -> web.StreamResponse:
        if isinstance(behaviour, Hang):
            await asyncio.sleep(behaviour.seconds)
            behaviour = Fail(504, "hung")
        if isinstance(behaviour, Fail):
            if behaviour.delay:
                await asyncio.sleep(behaviour.delay)
            error = {"message": behaviour.message, "type": "test", "param": behaviour.param,
                     "code": None}
            return web.json_response(
                {"error": error}, status=behaviour.status, headers=behaviour.headers
            )
        if behaviour.delay:
            await asyncio.sleep(behaviour.delay)
        if callable(behaviour.content):
            behaviour = replace(behaviour, content=behaviour.content(body))
        usage = {
            "prompt_tokens": behaviour.prompt_tokens,
            "completion_tokens": behaviour.completion_tokens,
            "total_tokens": behaviour.prompt_tokens + behaviour.completion_tokens,
        }
        base = {"id": "chatcmpl-test", "created": 0, "model": body.get("model", "")}
        if not body.get("stream"):
            message = {"role": "assistant", "content": behaviour.content,
                       "refusal": behaviour.refusal}
            return web.json_response({
                **base, "object": "chat.completion",
                "choices": [{"index": 0, "message": message,
                             "finish_reason": behaviour.finish_reason}],
                "usage": usage,
            })
        return await self._stream(request, body, behaviour, base, usage)

    async def _stream(
        self,
        request: web.Request,
        body: dict[str, Any],
        behaviour: Answer,
        base: dict[str, Any],
        usage: dict[str, int],
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)

        async def send(delta: dict[str, Any], finish: str | None = None,
                       with_usage: dict[str, int] | None = None) -> None:
            chunk = {**base, "object": "chat.completion.chunk",
                     "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
                     if with_usage is None else [],
                     "usage": with_usage}
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

        await send({"role": "assistant", "content": ""})
        if behaviour.refusal:
            await send({"refusal": behaviour.refusal})
        text = behaviour.content if isinstance(behaviour.content, str) else ""
        pieces = [text[i:i + behaviour.chunk] for i in range(0, len(text), behaviour.chunk)]
        for index, piece in enumerate(pieces):
            if behaviour.cut_after is not None and index >= behaviour.cut_after:
                # The connection drops mid-answer: no final chunk, no [DONE].
                assert request.transport is not None
                request.transport.close()
                return response
            if behaviour.stall_after is not None and index >= behaviour.stall_after:
                await asyncio.sleep(60)
            await send({"content": piece})
        await send({}, behaviour.finish_reason)
        if (body.get("stream_options") or {}).get("include_usage"):
            await send({}, with_usage=usage)
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response
