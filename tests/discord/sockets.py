"""The real bot logged into the Discord emulator over real sockets, for the socket-level
tests (the fixtures are this package's, through its conftest), and what those tests read
off the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from simworld import assert_pings_only_the_named

from bot.coach import Coach, build_coach
from bot.discord.app import DraftcoachBot, create_bot
from bot.discord.store import Store
from bot.llm.rewriter import LLMRewriter, build_llm_rewriter
from bot.pipeline import Pipeline
from bot.settings import load_settings
from tests.emulator import DiscordEmulator, discord_pointed_at
from tests.emulator.llm import SlowModel

#: Builds the bot's pipeline from the coach and the model step, for the bot that logs
#: into the socket-level emulator (``running_bot``).
PipelineFactory = Callable[[Coach, LLMRewriter | None], Pipeline]


@pytest.fixture
def socket_pipeline() -> PipelineFactory:
    """How ``running_bot`` builds its pipeline (a test module may wrap the coach)."""
    return Pipeline


TOKEN = "emulated.bot.token"


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    server = await DiscordEmulator().start()
    try:
        with discord_pointed_at(server):
            yield server
    finally:
        await server.close()
    assert not server.unknown_routes, f"routes the emulator does not serve: {server.unknown_routes}"
    assert not server.rejected, f"requests Discord would refuse: {server.rejected}"
    assert_no_one_pinged_but_the_named(server)


def assert_no_one_pinged_but_the_named(server: DiscordEmulator) -> None:
    for request in server.requests:
        assert_pings_only_the_named(request.method, request.path, request.body)


@pytest.fixture
async def model() -> AsyncIterator[SlowModel]:
    server = await SlowModel(delay=0.05).start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def running_bot(emulator: DiscordEmulator, model: SlowModel, logged_errors: object,
                      tmp_path: Path, socket_pipeline: PipelineFactory,
                      ) -> AsyncIterator[DraftcoachBot]:
    """The real bot, built as ``draftcoach run`` builds it, logged into the emulator."""
    settings = load_settings(env={
        "DISCORD_TOKEN": TOKEN,
        "DRAFTCOACH_DATABASE": str(tmp_path / "draftcoach.sqlite3"),
        "DRAFTCOACH_LLM_BASE_URL": model.base_url,
        "OPENAI_API_KEY": "test-key",
    })
    coach = build_coach(settings)
    rewriter = build_llm_rewriter(settings, coach)
    store = await Store.open(settings.discord.database)
    bot = create_bot(settings, socket_pipeline(coach, rewriter), store)
    # discord.py waits this long after the last GUILD_CREATE before READY; the emulator
    # sends its one guild at once, so waiting the default 2 s would only slow the suite.
    bot._connection.guild_ready_timeout = 0.05
    task = asyncio.create_task(bot.start(TOKEN))
    try:
        ready = asyncio.create_task(bot.wait_until_ready())
        await asyncio.wait({ready, task}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # login failed: raise its error here
        assert ready.done(), "the bot did not reach READY"
        yield bot
    finally:
        # Let rewrites still being written finish, as a test's user would see them.
        for _ in range(500):
            if not model.in_flight:
                break
            await asyncio.sleep(0.01)
        await emulator.settle()
        await bot.close()
        await asyncio.wait_for(task, 10)
        await store.close()
        if rewriter is not None:
            await rewriter.aclose()


async def watch_drafts_channel(emulator: DiscordEmulator) -> None:
    """``/coach-admin channels add`` in #drafts, by the server owner, as a team would set it up."""
    interaction = await emulator.slash_command(
        "coach-admin", [{"type": 2, "name": "channels", "options": [{"type": 1, "name": "add"}]}],
        user="owner")
    await emulator.wait_for_request(
        "POST", rf"/interactions/{interaction.payload['id']}/.+/callback")
    assert "drafts channel" in interaction.responses[0]["data"]["content"]


def embed_text(body: dict[str, Any]) -> str:
    embed = body["embeds"][0]
    parts = [embed.get("title", ""), embed.get("description", "")]
    parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(parts)


def button(message: dict[str, Any], label: str) -> str:
    """The custom id of the button labelled ``label`` on ``message``."""
    for row in message["components"]:
        for item in row["components"]:
            if item.get("label") == label:
                return str(item["custom_id"])
    raise AssertionError(f"no {label!r} button on the message")
