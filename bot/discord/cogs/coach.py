"""/coach-admin: the server's settings, shown only to members with Manage Server.

Discord lets a command's default member permissions be set on top-level commands only,
so the settings are their own command; what every member uses is ``/coach`` (see
:mod:`bot.discord.cogs.guide`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.coaching import NO_PINGS, Coaching
from bot.discord.cogs.critique import PLATFORM_CHOICES
from bot.discord.peers import CoachBot
from bot.discord.render import fit_content, truncate_lines
from bot.models import SEVERITIES

log = logging.getLogger(__name__)

NEEDS_MANAGE_SERVER = "Only members with the **Manage Server** permission can change my settings."
SEVERITY_CHOICES = [app_commands.Choice(name=s, value=s) for s in SEVERITIES] + [
    app_commands.Choice(name="default (the rule's own)", value="default")
]

TextChannelLike = discord.TextChannel | discord.Thread


async def answer(interaction: discord.Interaction, content: str) -> None:
    await interaction.response.send_message(
        fit_content(content), ephemeral=True, allowed_mentions=NO_PINGS
    )


def command_group(bot: commands.Bot, *path: str) -> app_commands.Group | None:
    """The command group at ``path`` (for example ``"coach-admin", "llm"``), if loaded."""
    found: app_commands.Command[Any, ..., Any] | app_commands.Group | None = None
    for name in path:
        found = (bot.tree.get_command(name) if found is None
                 else found.get_command(name) if isinstance(found, app_commands.Group)
                 else None)
    return found if isinstance(found, app_commands.Group) else None


def join_group(cog: commands.Cog, bot: commands.Bot, *path: str,
               only: Collection[app_commands.Command[Any, ..., Any] | app_commands.Group] = (),
               ) -> None:
    """Move the cog's commands (or ``only`` these of them) into the group at ``path``
    (another cog's), so a feature adds its commands where members look for them."""
    group = command_group(bot, *path)
    if group is None:
        raise RuntimeError(f"/{' '.join(path)} must be loaded before {type(cog).__name__}")
    staying = []
    for command in cog.__cog_app_commands__:
        if only and command not in only:
            staying.append(command)
        else:
            group.add_command(command)
    cog.__cog_app_commands__ = staying


def leave_group(bot: commands.Bot, name: str, *path: str) -> None:
    group = command_group(bot, *path)
    if group is not None:
        group.remove_command(name)


async def managed_guild(interaction: discord.Interaction) -> int | None:
    """The server whose settings change; None (after a polite no) without Manage Server."""
    if interaction.guild_id is not None and interaction.permissions.manage_guild:
        return interaction.guild_id
    await answer(interaction, NEEDS_MANAGE_SERVER)
    return None


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class CoachCommands(commands.GroupCog, group_name="coach-admin",
                    group_description="draftcoach settings (Manage Server)"):
    channels = app_commands.Group(name="channels", description="Drafts channels")
    rules = app_commands.Group(name="rules", description="This server's rule settings")
    llm = app_commands.Group(name="llm", description="The model that writes rewrites")

    def __init__(self, bot: CoachBot) -> None:
        super().__init__()
        self.bot = bot
        self.coaching: Coaching = bot.coaching

    # ----------------------------------------------------------- channels

    @channels.command(name="add", description="Treat every message in a channel as a draft")
    @app_commands.describe(channel="The drafts channel (default: this one)")
    async def channels_add(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            await answer(interaction, "Drafts channels must be text channels.")
            return
        added = await self.coaching.store.watch_channel(
            guild_id, target.id, interaction.user.id
        )
        self.coaching.watched.add(target.id)
        message = (f"{target.mention} is now a drafts channel: I'll coach every message "
                   "posted there." if added else f"{target.mention} is already a drafts channel.")
        if not self.bot.intents.message_content:
            message += ("\n⚠️ I was started without the Message Content intent, so I can't "
                        "read drafts posted there yet. /critique and the context menu still work.")
        await answer(interaction, message)

    @channels.command(name="remove", description="Stop treating a channel as a drafts channel")
    async def channels_remove(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        target = channel or interaction.channel
        target_id = target.id if target is not None else 0
        removed = await self.coaching.store.unwatch_channel(guild_id, target_id)
        self.coaching.watched.discard(target_id)
        await answer(interaction, f"<#{target_id}> is no longer a drafts channel." if removed
                     else f"<#{target_id}> wasn't a drafts channel.")

    @channels.command(name="list", description="The drafts channels in this server")
    async def channels_list(self, interaction: discord.Interaction) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        ids = await self.coaching.store.watched_channels(guild_id)
        if not ids:
            await answer(interaction, "No drafts channels yet. Add one with "
                                      "`/coach-admin channels add`.")
            return
        listing = truncate_lines([f"• <#{i}>" for i in ids], 1900)
        await answer(interaction, f"Drafts channels:\n{listing}")

    # ----------------------------------------------------------- platform

    @app_commands.command(name="platform", description="The platform drafts are checked for")
    @app_commands.choices(platform=PLATFORM_CHOICES)
    async def platform(
        self, interaction: discord.Interaction, platform: app_commands.Choice[str]
    ) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        if platform.value not in self.coaching.coach.platforms:
            await answer(interaction, f"I don't know the platform `{platform.value}`.")
            return
        await self.coaching.store.set_platform(guild_id, platform.value)
        await answer(interaction, f"Drafts here are now checked for **{platform.name}**.")

    # -------------------------------------------------------------- rules

    async def _known_rule(self, interaction: discord.Interaction, rule: str) -> bool:
        if self.coaching.coach.rule(rule) is not None:
            return True
        await answer(interaction, f"There is no rule `{rule[:100]}`. Start typing to see the "
                                  "rules, or run `draftcoach rules`.")
        return False

    async def _rule_target(self, interaction: discord.Interaction, rule: str) -> int | None:
        """The server whose rule settings change, once the member and the rule check out."""
        guild_id = await managed_guild(interaction)
        if guild_id is None or not await self._known_rule(interaction, rule):
            return None
        return guild_id

    async def rule_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.lower()
        found = [r.meta for r in self.coaching.coach.rules
                 if typed in r.meta.id or typed in r.meta.principle]
        return [app_commands.Choice(name=f"{m.id} ({m.principle})"[:100], value=m.id)
                for m in found[:25]]

    @rules.command(name="enable", description="Turn a rule back on in this server")
    @app_commands.autocomplete(rule=rule_autocomplete)
    async def rules_enable(self, interaction: discord.Interaction, rule: str) -> None:
        await self._switch_rule(interaction, rule, on=True)

    @rules.command(name="disable", description="Turn a rule off in this server")
    @app_commands.autocomplete(rule=rule_autocomplete)
    async def rules_disable(self, interaction: discord.Interaction, rule: str) -> None:
        await self._switch_rule(interaction, rule, on=False)

    async def _switch_rule(self, interaction: discord.Interaction, rule: str, *, on: bool) -> None:
        guild_id = await self._rule_target(interaction, rule)
        if guild_id is None:
            return
        await self.coaching.store.set_rule_disabled(guild_id, rule, not on)
        await answer(interaction, f"Rule `{rule}` is on." if on
                     else f"Rule `{rule}` is off in this server.")

    @rules.command(name="severity", description="Change how serious a rule's findings are here")
    @app_commands.autocomplete(rule=rule_autocomplete)
    @app_commands.choices(level=SEVERITY_CHOICES)
    async def rules_severity(
        self, interaction: discord.Interaction, rule: str, level: app_commands.Choice[str]
    ) -> None:
        guild_id = await self._rule_target(interaction, rule)
        if guild_id is None:
            return
        severity = None if level.value == "default" else level.value
        await self.coaching.store.set_rule_severity(guild_id, rule, severity)
        await answer(interaction, f"Rule `{rule}` now reports as **{level.value}**.")

    # ---------------------------------------------------------------- llm

    @llm.command(name="on", description="Rewrite drafts with the configured model")
    async def llm_on(self, interaction: discord.Interaction) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        await self.coaching.store.set_llm_enabled(guild_id, True)
        message = "Rewrites here come from the model."
        if not self.coaching.pipeline.uses_model:
            message += (" No model is configured for this bot, so the offline rewrite "
                        "serves until one is.")
        await answer(interaction, message)

    @llm.command(name="off", description="Use the offline rewrite only: no draft leaves the bot")
    async def llm_off(self, interaction: discord.Interaction) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        await self.coaching.store.set_llm_enabled(guild_id, False)
        await answer(interaction, "Rewrites here are offline only: drafts are not sent to a model.")


async def setup(bot: CoachBot) -> None:
    await bot.add_cog(CoachCommands(bot))
