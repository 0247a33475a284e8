"""Fixtures for the LLM step: the scripted model server and rewriters pointed at it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest

from bot.coach import Coach
from bot.llm import LLMRewriter, create_llm_client, load_checks, load_prompts
from bot.llm.rewriter import CHECKS_FILE
from bot.settings import LLMSettings, Settings

from .server import ModelServer


@pytest.fixture
async def model_server() -> AsyncIterator[ModelServer]:
    server = ModelServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def refused_url() -> str:
    """A base URL where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


#: Short enough that a failing model costs a test well under a second.
FAST = LLMSettings(
    model="test-model",
    first_byte_timeout=0.5,
    deadline=3.0,
    breaker_threshold=50,
    breaker_cooldown=0.3,
    max_attempts=3,
)


MakeRewriter = Callable[..., LLMRewriter]


@pytest.fixture
async def make_rewriter(
    model_server: ModelServer, coach: Coach, settings: Settings
) -> AsyncIterator[MakeRewriter]:
    """Build a rewriter against the test server; keyword arguments change LLMSettings."""
    made: list[LLMRewriter] = []

    def make(**changes: Any) -> LLMRewriter:
        llm = replace(FAST, **{"base_url": model_server.url, **changes})
        client = create_llm_client(llm)
        assert client is not None
        prompts = load_prompts(settings.prompts_dir, llm.prompt_version)
        checks = load_checks(settings.config.find(CHECKS_FILE), prompts)
        rewriter = LLMRewriter(client, coach, llm, prompts, checks)
        made.append(rewriter)
        return rewriter

    yield make
    for rewriter in made:
        await rewriter.aclose()
