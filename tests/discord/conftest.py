"""Fixtures for the bot's end-to-end tests through simcord.

The bot is the real one (``create_bot``) around a real coach, an in-memory store and,
when a test asks for it, a real model client pointed at a local server. Any error the
bot or discord.py logs fails the test: discord.py logs and swallows exceptions in
event handlers and button callbacks, so a logged error is how a bug shows.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Iterator

import discord
import pytest
import simcord
from simworld import ErrorLog, World, assert_no_one_pinged_but_the_named

from bot.coach import Coach, build_coach
from bot.discord.app import DraftcoachBot, create_bot
from bot.discord.store import Store
from bot.llm.rewriter import build_llm_rewriter
from bot.pipeline import Pipeline
from bot.settings import Settings, load_settings

# The real bot over real sockets, for the socket-level tests.
from tests.discord.sockets import emulator, model, running_bot, socket_pipeline  # noqa: F401

# The model server and a refused URL are the LLM step's own test fixtures, reused here.
from tests.llm.conftest import model_server, refused_url  # noqa: F401


@pytest.fixture(autouse=True)
def logged_errors() -> Iterator[ErrorLog]:
    """Fails the test if the bot or discord.py logged an error while it ran."""
    handler = ErrorLog()
    loggers = [logging.getLogger(name) for name in ("discord", "bot")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    messages = [handler.format(record) for record in handler.records]
    assert not messages, "errors were logged:\n" + "\n".join(messages)


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    return load_settings(env={})


@pytest.fixture(scope="session")
def coach(base_settings: Settings) -> Coach:
    return build_coach(base_settings)


@pytest.fixture
def discord_options() -> dict[str, object]:
    """Per-test changes to the ``discord:`` settings (override in a test module)."""
    return {}


@pytest.fixture
def settings(base_settings: Settings, discord_options: dict[str, object]) -> Settings:
    discord_settings = dataclasses.replace(
        base_settings.discord, database=":memory:", edit_interval=0.0, **discord_options
    )
    return dataclasses.replace(base_settings, discord=discord_settings)


@pytest.fixture
def pipeline(coach: Coach) -> Pipeline:
    return Pipeline(coach)


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    opened = await Store.open(":memory:")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def simcord_bot(settings: Settings, pipeline: Pipeline, store: Store) -> DraftcoachBot:
    return create_bot(settings, pipeline, store)


@pytest.fixture
async def world(simcord_env: simcord.Env) -> AsyncIterator[World]:
    """A server with a drafts channel (set up by an admin), a general channel, two members.

    After the test, checks that no message the bot sent pinged anyone but the
    people it names.
    """
    env = simcord_env
    guild = env.create_guild(name="Acme Social")
    drafts = guild.create_text_channel("drafts")
    general = guild.create_text_channel("general")
    managers = guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[managers])
    alice = guild.add_member(env.create_user("alice"))
    bob = guild.add_member(env.create_user("bob"))
    result = await admin.slash(drafts, "coach-admin channels add")
    assert "now a drafts channel" in result.response.content
    yield World(env, guild, drafts, general, admin, alice, bob)
    assert_no_one_pinged_but_the_named(env)


@pytest.fixture
def llm_options() -> dict[str, object]:
    """Per-test changes to the model settings (override in a test class)."""
    return {}


def model_settings(settings: Settings, base_url: str, **changes: object) -> Settings:
    """``settings`` with a model at ``base_url`` that gives up quickly when it fails."""
    options: dict[str, object] = {"first_byte_timeout": 0.5, "deadline": 1.5,
                                  "breaker_threshold": 50}
    options.update(changes)
    llm = dataclasses.replace(
        settings.llm, base_url=base_url, api_key="test-key", model="test-model", **options
    )
    return dataclasses.replace(settings, llm=llm)


@pytest.fixture
async def model_pipeline(
    model_url: str, settings: Settings, coach: Coach, llm_options: dict[str, object]
) -> AsyncIterator[Pipeline]:
    """A pipeline whose model lives at the test's ``model_url``."""
    rewriter = build_llm_rewriter(model_settings(settings, model_url, **llm_options), coach)
    assert rewriter is not None
    try:
        yield Pipeline(coach, rewriter)
    finally:
        await rewriter.aclose()
