"""A model budget per server: ``/coach-admin llm budget TOKENS per day|month``.

Usage is counted in the store as rewrites come back (see ``Coaching``); once a server
has spent its budget its drafts get the offline rewrite, with a note saying why, until
the day or month renews (UTC).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.coaching import Coaching
from bot.discord.cogs.coach import answer, join_group, leave_group, managed_guild

if TYPE_CHECKING:
    from bot.discord.app import DraftcoachBot

log = logging.getLogger(__name__)

PERIOD_CHOICES = [app_commands.Choice(name=p, value=p) for p in ("day", "month")]


class ModelBudget(commands.Cog):
    def __init__(self, bot: DraftcoachBot) -> None:
        self.bot = bot
        self.coaching: Coaching = bot.coaching

    async def cog_load(self) -> None:
        join_group(self, self.bot, "coach-admin", "llm")

    async def cog_unload(self) -> None:
        leave_group(self.bot, "budget", "coach-admin", "llm")

    @app_commands.command(name="budget", description="Cap the model tokens this server uses")
    @app_commands.describe(tokens="Tokens allowed per period (0: no cap)",
                           per="The period the budget renews with (UTC)")
    @app_commands.choices(per=PERIOD_CHOICES)
    async def budget(
        self, interaction: discord.Interaction,
        tokens: app_commands.Range[int, 0, 1_000_000_000], per: app_commands.Choice[str],
    ) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        period = "month" if per.value == "month" else "day"
        store = self.coaching.store
        await store.set_token_budget(guild_id, tokens or None, period)
        used = await store.model_usage(guild_id, period)
        if not tokens:
            await answer(interaction, "No model budget here now: the model writes every "
                                      f"rewrite. This {period} so far: {used:,} tokens.")
            return
        state = ("spent: drafts get the offline rewrite until it renews" if used >= tokens
                 else f"{tokens - used:,} left")
        await answer(interaction, f"Model budget: **{tokens:,} tokens per {period}**. "
                                  f"Used this {period}: {used:,} ({state}).")


async def setup(bot: DraftcoachBot) -> None:
    await bot.add_cog(ModelBudget(bot))
