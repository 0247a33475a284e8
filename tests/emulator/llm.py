"""A slow OpenAI-compatible chat-completions server on 127.0.0.1.

It answers ``POST /v1/chat/completions`` (plain or streamed as server-sent events, the
way the ``openai`` SDK reads them) after ``delay`` seconds, with the JSON answer the
rewrite prompt asks for. Benchmarks use it to show the first reply never waits for it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.emulator.server import serve_on_loopback

DEFAULT_ANSWER = {
    "rewrite": "Our new planner is out today. It sorts your week in two clicks. Try it.",
    "suggestions": [],
    "summary": "Shorter, concrete, one call to action.",
}


@dataclass
class SlowModel:
    delay: float = 2.0
    answer: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_ANSWER))
    requests: int = 0
    #: Requests answered in full (the rest were abandoned by the client).
    answered: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> SlowModel:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        # A client that gives up (its deadline passed) cancels its request here too, so
        # ``in_flight`` counts only requests someone still waits for.
        self._runner, self.port = await serve_on_loopback(app, handler_cancellation=True)
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            content = json.dumps(self.answer)
            if body.get("stream"):
                response = await self._stream(request, body, content)
            else:
                response = web.json_response(_completion(body, content))
            self.answered += 1
            return response
        finally:
            self.in_flight -= 1

    async def _stream(self, request: web.Request, body: dict[str, Any],
                      content: str) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        base = {"id": "chatcmpl-stub", "object": "chat.completion.chunk",
                "created": int(time.time()), "model": body.get("model", "stub")}
        pieces = [content[i:i + 24] for i in range(0, len(content), 24)]
        for number, piece in enumerate(pieces):
            delta = {"content": piece} if number else {"role": "assistant", "content": piece}
            chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        final = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        await response.write(f"data: {json.dumps(final)}\n\n".encode())
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {**base, "choices": [], "usage": _usage(content)}
            await response.write(f"data: {json.dumps(usage)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


def _usage(content: str) -> dict[str, int]:
    return {"prompt_tokens": 300, "completion_tokens": len(content) // 4,
            "total_tokens": 300 + len(content) // 4}


def _completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "stub"),
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": content}}],
        "usage": _usage(content),
    }
