"""Drafts sent to the bot in a direct message: the same critique as /critique.

The drafts cog's one message listener hands DMs here (see its ``on_message``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.discord.coaching import NO_PINGS, Coaching, cannot_coach
from bot.discord.cogs.drafts import edits_of, message_draft
from bot.discord.cooldown import cooldown_message
from bot.discord.store import NewDraft
from bot.discord.views import critique_view
from bot.errors import DraftcoachError

if TYPE_CHECKING:
    from bot.discord.app import DraftcoachBot

log = logging.getLogger(__name__)

NOTHING_TO_COACH = (
    "I can only coach text, and this message has none. Send me the words of your draft "
    "(or a .txt file) and I'll take a look."
)


class DirectDrafts(commands.Cog):
    def __init__(self, bot: DraftcoachBot) -> None:
        self.bot = bot
        self.coaching: Coaching = bot.coaching

    async def critique(self, message: discord.Message) -> None:
        """Answer a DM with the findings at once, then stream the rewrite into the answer."""
        found = await message_draft(message)
        problem = NOTHING_TO_COACH if found is None else found.problem
        if not problem:
            wait = self.coaching.cooldowns.retry_after(message.author.id)
            problem = "" if wait is None else cooldown_message(wait)
        if problem or found is None:
            await message.channel.send(problem, allowed_mentions=NO_PINGS)
            return
        context = await self.coaching.context(None)
        try:
            assessment = await self.coaching.assess_paced(found.text, context)
        except DraftcoachError as exc:
            await message.channel.send(cannot_coach(exc), allowed_mentions=NO_PINGS)
            return
        draft = await self.coaching.store.add_draft(NewDraft(
            origin="direct", guild_id=None, channel_id=message.channel.id,
            message_id=message.id, author_id=message.author.id,
            requester_id=message.author.id, platform=context.platform, text=found.text,
        ))
        await self.coaching.record(draft.id, assessment)
        first = self.coaching.render(assessment)
        reply = await message.channel.send(embed=first.embed,
                                           view=critique_view(draft.id, private=False),
                                           allowed_mentions=NO_PINGS)
        await self.coaching.store.set_reply(draft.id, reply.channel.id, reply.id)
        await self.coaching.stream_rewrite(draft.id, assessment, context, edits_of(reply))


async def setup(bot: DraftcoachBot) -> None:
    await bot.add_cog(DirectDrafts(bot))
