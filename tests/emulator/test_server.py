"""The emulator as discord.py sees it: a plain client logs in and talks to it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import discord
import pytest
from discord import app_commands

from tests.emulator import DiscordEmulator, discord_pointed_at, server


@pytest.fixture
async def client_and_emulator() -> AsyncIterator[tuple[discord.Client, DiscordEmulator]]:
    emulator = await DiscordEmulator().start()
    client = discord.Client(intents=discord.Intents.default())
    client._connection.guild_ready_timeout = 0.05
    tree = app_commands.CommandTree(client)

    @tree.command(name="ping", description="Answers pong")
    async def ping(interaction: discord.Interaction) -> None:
        with contextlib.suppress(discord.NotFound):  # a late answer is refused
            await interaction.response.send_message("pong")

    try:
        with discord_pointed_at(emulator):
            task = asyncio.create_task(client.start("token"))
            await asyncio.wait_for(client.wait_until_ready(), 10)
            yield client, emulator
            await client.close()
            await asyncio.wait_for(task, 10)
    finally:
        await emulator.close()


async def test_a_message_discord_would_refuse_fails_as_on_discord(
        client_and_emulator: tuple[discord.Client, DiscordEmulator]) -> None:
    client, emulator = client_and_emulator
    channel = client.get_channel(int(emulator.world.channel("drafts")["id"]))
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("x" * 2001)
    assert refused.value.status == 400
    assert refused.value.code == 50035
    assert emulator.rejected


async def test_a_route_the_emulator_does_not_serve_is_recorded(
        client_and_emulator: tuple[discord.Client, DiscordEmulator]) -> None:
    client, emulator = client_and_emulator
    with pytest.raises(discord.NotFound):
        await client.fetch_guild(int(emulator.world.guild_id))
    assert [r.path for r in emulator.unknown_routes] == [f"/guilds/{emulator.world.guild_id}"]


async def test_the_bot_hears_its_own_messages_as_discord_echoes_them(
        client_and_emulator: tuple[discord.Client, DiscordEmulator]) -> None:
    client, emulator = client_and_emulator
    channel = client.get_channel(int(emulator.world.channel("general")["id"]))
    assert isinstance(channel, discord.TextChannel)
    echoed = asyncio.ensure_future(client.wait_for("message", timeout=5))
    sent = await channel.send("hello")
    assert (await echoed).id == sent.id


async def test_an_interaction_answered_after_three_seconds_is_unknown(
        client_and_emulator: tuple[discord.Client, DiscordEmulator],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, emulator = client_and_emulator
    on_time = await emulator.slash_command("ping")
    await emulator.wait_for_request("POST", rf"/interactions/{on_time.payload['id']}/.+")
    assert on_time.responses[0]["data"]["content"] == "pong"

    monkeypatch.setattr(server, "INTERACTION_DEADLINE", 0.0)  # every answer is now late
    late = await emulator.slash_command("ping")
    refused = await emulator.wait_for_request(
        "POST", rf"/interactions/{late.payload['id']}/.+")
    assert refused.status == 404
    assert refused.reply["code"] == 10062  # Unknown interaction
    assert not late.responses
