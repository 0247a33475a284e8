"""Starting the bot: settings errors, intents, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from pathlib import Path

import discord
import pytest
from simworld import World

from bot.discord.app import bot_intents, run
from bot.errors import ConfigError
from bot.settings import Settings, load_settings
from tests.emulator import DiscordEmulator, discord_pointed_at

BAIT = "Follow for follow!!! BUY NOW before it's gone"


def with_discord(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(
        settings, discord=dataclasses.replace(settings.discord, **changes)
    )


async def test_a_missing_token_is_a_one_line_error_naming_it(base_settings: Settings) -> None:
    with pytest.raises(ConfigError, match="DISCORD_TOKEN is not set"):
        await run(with_discord(base_settings, token=None))


async def test_an_unusable_database_path_names_the_setting(
    base_settings: Settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    settings = with_discord(base_settings, token="t", database=str(blocker / "bot.sqlite3"))
    with pytest.raises(ConfigError, match=r"discord\.database"):
        await run(settings)


def test_bad_discord_settings_name_the_key(tmp_path: Path) -> None:
    (tmp_path / "draftcoach.yaml").write_text("discord:\n  cooldown_rate: lots\n")
    with pytest.raises(ConfigError, match=r"discord\.cooldown_rate must be a whole number"):
        load_settings(tmp_path, env={})


def test_message_content_is_requested_only_when_configured(base_settings: Settings) -> None:
    assert bot_intents(base_settings).message_content
    assert not bot_intents(with_discord(base_settings, message_content=False)).message_content


async def test_sigterm_stops_the_bot_cleanly(base_settings: Settings, tmp_path: Path) -> None:
    emulator = await DiscordEmulator().start()
    try:
        with discord_pointed_at(emulator):
            settings = with_discord(base_settings, token="emulated.bot.token",
                                    database=str(tmp_path / "bot.sqlite3"))
            running = asyncio.create_task(run(settings))
            # The bot registers its commands once its coach is built (every rule checked
            # against its examples, some seconds): a wait, not a speed target, so it
            # leaves room for a busy machine.
            await emulator.wait_for_request("PUT", r"/applications/\d+/commands", timeout=60)
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(running, 10)
    finally:
        await emulator.close()
    assert running.exception() is None
    assert (tmp_path / "bot.sqlite3").is_file()


@pytest.fixture
def discord_options() -> dict[str, object]:
    return {"message_content": False}


@pytest.mark.simcord(approved_intents=discord.Intents.default())
async def test_without_message_content_slash_and_context_menu_still_work(world: World) -> None:
    added = await world.admin.slash(world.general, "coach-admin channels add")
    assert "Message Content intent" in added.response.content

    result = await world.alice.slash(world.general, "critique", draft=BAIT)
    assert "Follow for follow" in result.response.embeds[0].description

    draft = await world.bob.send(world.drafts, BAIT)
    assert world.drafts.threads == []  # the bot cannot read drafts channels: it stays quiet
    private = await world.alice.context_menu(world.drafts, "Critique draft", draft)
    assert "Follow for follow" in private.response.embeds[0].description
