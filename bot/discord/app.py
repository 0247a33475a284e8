"""The Discord bot: construction, start-up, error handling and ``draftcoach run``.

Resources (the coach, the model client, the store) are built once in :func:`run`
and handed to :func:`create_bot`, so tests and the emulator can build the same bot
around their own resources.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.coach import build_coach
from bot.discord.coaching import NO_PINGS, Coaching, respond_or_followup
from bot.discord.store import Store
from bot.discord.views import PERSISTENT_ITEMS, SOMETHING_WENT_WRONG
from bot.errors import ConfigError, DraftcoachError
from bot.llm import build_llm_rewriter
from bot.pipeline import Pipeline
from bot.settings import Settings

log = logging.getLogger(__name__)

#: Seconds a shutdown waits for rewrites being written (Docker allows 10 before SIGKILL).
SHUTDOWN_GRACE = 5.0

EXTENSIONS = (
    "bot.discord.cogs.drafts",
    "bot.discord.cogs.direct",
    "bot.discord.cogs.critique",
    "bot.discord.cogs.coach",
    "bot.discord.cogs.guide",
    # After coach and guide: their commands join /coach-admin and /coach.
    "bot.discord.cogs.review",
    "bot.discord.cogs.feedback",
    "bot.discord.cogs.budget",
)



class DraftcoachTree(app_commands.CommandTree["DraftcoachBot"]):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("command /%s failed", command, exc_info=error)
        with contextlib.suppress(discord.HTTPException):
            await respond_or_followup(interaction, SOMETHING_WENT_WRONG)


def bot_intents(settings: Settings) -> discord.Intents:
    """Guilds and messages; Message Content only when drafts channels are wanted."""
    intents = discord.Intents.default()
    intents.message_content = settings.discord.message_content
    return intents


class DraftcoachBot(commands.Bot):
    def __init__(self, settings: Settings, pipeline: Pipeline, store: Store) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(settings),
            allowed_mentions=NO_PINGS,
            help_command=None,
            tree_cls=DraftcoachTree,
        )
        self.settings = settings
        self.store = store
        self.coaching = Coaching(settings, pipeline, store)

    async def setup_hook(self) -> None:
        await self.coaching.load()
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(*PERSISTENT_ITEMS)
        if self.settings.discord.sync_commands:
            await self.tree.sync()
        self.forget_old_drafts.start()
        # Everything loaded so far (rules, patterns, discord.py) lives as long as the
        # process: keep it out of the garbage collector's full passes, which otherwise
        # pause the event loop for tens of milliseconds under load.
        gc.freeze()

    @property
    def on_message(self) -> None:
        """No prefix commands here (every command is an application command), so no
        ``on_message`` of the bot's own: discord.py then schedules nothing for it, and a
        rush of drafts costs one task fewer each. The cogs listen for what they need."""
        raise AttributeError("on_message")

    async def close(self) -> None:
        self.forget_old_drafts.cancel()
        await self.coaching.finish_writing(SHUTDOWN_GRACE)
        await super().close()

    @tasks.loop(hours=1)
    async def forget_old_drafts(self) -> None:
        try:
            forgotten = await self.store.purge_texts(self.settings.discord.retention_days)
        except Exception:
            # Keep the hourly loop alive; the next run tries again.
            log.exception("could not forget old drafts")
            return
        if forgotten:
            log.info("forgot the text of %d drafts older than the retention period", forgotten)


def create_bot(settings: Settings, pipeline: Pipeline, store: Store) -> DraftcoachBot:
    """The bot around ready-made resources; call ``start(token)`` or hand it to a test."""
    return DraftcoachBot(settings, pipeline, store)


async def run(settings: Settings) -> None:
    """``draftcoach run``: start the bot until SIGINT/SIGTERM; config problems raise ConfigError."""
    token = (settings.discord.token or "").strip()
    if not token:
        raise ConfigError("DISCORD_TOKEN is not set (or discord.token in the config file)")
    coach = build_coach(settings)
    rewriter = build_llm_rewriter(settings, coach)  # None: the offline rewrite serves
    try:
        store = await Store.open(settings.discord.database)
    except ConfigError:
        raise
    except Exception as exc:
        raise ConfigError(
            f"discord.database: cannot open {settings.discord.database!r} ({exc})"
        ) from None
    bot = create_bot(settings, Pipeline(coach, rewriter), store)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with bot:
            runner = asyncio.create_task(bot.start(token))
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not runner.done():
                # Cancelling start() is safe at any stage (even mid-handshake); leaving
                # the ``async with`` then closes the gateway and HTTP sessions.
                log.info("shutting down")
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await runner
            else:
                runner.result()
    except discord.LoginFailure:
        raise ConfigError("DISCORD_TOKEN: Discord rejected the token; copy it again from "
                          "the Developer Portal (Bot > Reset Token)") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise DraftcoachError(f"cannot reach Discord ({exc}); check the network") from None
    except discord.PrivilegedIntentsRequired:
        raise ConfigError(
            "discord.message_content: the Message Content intent is not enabled for this "
            "application; enable it in the Developer Portal (Bot > Privileged Gateway "
            "Intents) or set discord.message_content: false (no drafts channels then)"
        ) from None
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await store.close()
        if rewriter is not None:
            await rewriter.aclose()
