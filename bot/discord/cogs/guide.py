"""/coach: what every member of a server uses (help, principles, the rules in force).

The review cog adds ``queue``, ``stats`` and ``review need`` to this group; the server's
settings are ``/coach-admin`` (see :mod:`bot.discord.cogs.coach`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.coaching import NO_PINGS, Coaching
from bot.discord.cogs.coach import answer
from bot.discord.render import render_help, render_principles, truncate_lines

if TYPE_CHECKING:
    from bot.discord.app import DraftcoachBot

log = logging.getLogger(__name__)


@app_commands.guild_only()
class CoachGuide(commands.GroupCog, group_name="coach", group_description="draftcoach"):
    rules = app_commands.Group(name="rules", description="The rules as this server runs them")

    def __init__(self, bot: DraftcoachBot) -> None:
        super().__init__()
        self.bot = bot
        self.coaching: Coaching = bot.coaching

    @app_commands.command(name="principles", description="The principles draftcoach checks")
    async def principles(self, interaction: discord.Interaction) -> None:
        embed = render_principles(self.coaching.coach.principles.values())
        await interaction.response.send_message(embed=embed, ephemeral=True,
                                                allowed_mentions=NO_PINGS)

    @app_commands.command(name="help", description="How draftcoach and team review work here")
    async def help(self, interaction: discord.Interaction) -> None:
        channels = ([] if interaction.guild_id is None
                    else await self.coaching.store.watched_channels(interaction.guild_id))
        await interaction.response.send_message(embed=render_help(channels), ephemeral=True,
                                                allowed_mentions=NO_PINGS)

    @rules.command(name="list", description="Rules this server changed, or its team demoted")
    async def rules_list(self, interaction: discord.Interaction) -> None:
        guild_id = interaction.guild_id
        if guild_id is None:
            return
        store = self.coaching.store
        lines = [f"• `{o.rule_id}`: " + ("off" if o.disabled else f"severity {o.severity}")
                 for o in await store.rule_overrides(guild_id)]
        for demotion in await store.rule_demotions(guild_id):
            rule = self.coaching.coach.rule(demotion.rule_id)
            was = f"{rule.meta.severity} → " if rule is not None else ""
            lines.append(f"• `{demotion.rule_id}`: {was}{demotion.severity}, demoted by the "
                         "team (\"not helpful\"); an admin can undo it with "
                         "`/coach-admin rules restore`")
        if not lines:
            await answer(interaction, "Every rule runs with its default severity here.")
            return
        await answer(interaction, "Rule settings:\n" + truncate_lines(lines, 1900))


async def setup(bot: DraftcoachBot) -> None:
    await bot.add_cog(CoachGuide(bot))
