"""Socket-level smoke tests: the real discord.py client against the emulator on 127.0.0.1.

Everything goes over real sockets: REST over HTTP, events over the websocket gateway.
Any ERROR that discord.py or the bot logs fails the test, because discord.py logs and
swallows exceptions raised in event handlers and command callbacks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import discord
import pytest
from discord.ext import commands

from tests.emulator import DiscordEmulator, discord_pointed_at

TOKEN = "emulated.bot.token"


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
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


def minimal_bot(drafts_channel_id: int) -> commands.Bot:
    """A stand-in with the same shape of flows as draftcoach: a watched channel, a slash
    command that defers then follows up, and a message context menu."""
    intents = discord.Intents.default()
    intents.message_content = True
    bot = commands.Bot(command_prefix=commands.when_mentioned, intents=intents)

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot or message.channel.id != drafts_channel_id:
            return
        embed = discord.Embed(title="Needs work", description=f"“{message.content[:50]}”")
        await message.reply(embed=embed, allowed_mentions=discord.AllowedMentions.none())

    @bot.tree.command(name="critique", description="Critique a draft")
    async def critique(interaction: discord.Interaction, draft: str) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0)
        await interaction.followup.send(f"critique of {draft!r}")

    @bot.tree.context_menu(name="Critique draft")
    async def critique_message(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest.fixture
async def running_bot(emulator: DiscordEmulator,
                      logged_errors: ErrorLog) -> AsyncIterator[commands.Bot]:
    bot = minimal_bot(int(emulator.world.channel("drafts")["id"]))
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
        await bot.close()
        await asyncio.wait_for(task, 10)


async def test_login_reaches_ready_with_the_guild(emulator: DiscordEmulator,
                                                  running_bot: commands.Bot) -> None:
    assert running_bot.user is not None
    assert str(running_bot.user.id) == emulator.world.application_id
    guild = running_bot.get_guild(int(emulator.world.guild_id))
    assert guild is not None
    assert {channel.name for channel in guild.text_channels} >= {"drafts", "general"}
    assert emulator.identify is not None
    assert emulator.identify["intents"] & discord.Intents.message_content.flag
    assert emulator.heartbeats >= 1


async def test_slash_commands_and_context_menu_are_synced(emulator: DiscordEmulator,
                                                          running_bot: commands.Bot) -> None:
    synced = {(command["name"], command["type"]) for command in emulator.commands[None]}
    assert ("critique", 1) in synced
    assert ("Critique draft", 3) in synced


async def test_a_draft_in_the_watched_channel_gets_a_reply(emulator: DiscordEmulator,
                                                          running_bot: commands.Bot) -> None:
    since = emulator.mark()
    draft = await emulator.send_message("We are thrilled to announce our new synergy platform!")
    reply = await emulator.wait_for_request(
        "POST", rf"/channels/{draft['channel_id']}/messages", since=since)
    assert str(reply.body["message_reference"]["message_id"]) == draft["id"]
    assert reply.body["allowed_mentions"]["parse"] == []
    assert "synergy" in reply.body["embeds"][0]["description"]


async def test_slash_command_defers_then_follows_up(emulator: DiscordEmulator,
                                                    running_bot: commands.Bot) -> None:
    since = emulator.mark()
    interaction = await emulator.slash_command(
        "critique", [{"name": "draft", "type": 3, "value": "Big news!!!"}])
    followup = await emulator.wait_for_request(
        "POST", rf"/webhooks/{emulator.world.application_id}/{interaction.payload['token']}",
        since=since)
    assert interaction.responses[0]["type"] == 5  # deferred: acknowledged inside 3 s
    assert "Big news" in followup.body["content"]


async def test_resumed_session_keeps_receiving_drafts(emulator: DiscordEmulator,
                                                      running_bot: commands.Bot) -> None:
    await emulator.drop_connection()
    since = emulator.mark()
    await emulator.send_message("Still here after a hiccup")
    await emulator.wait_for_request("POST", r"/channels/\d+/messages", since=since)
    assert emulator.resumes == 1
