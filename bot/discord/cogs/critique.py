"""/critique (text or a modal for long drafts) and the "Critique draft" context menu.

Interactions are answered with the rules findings straight away (the rules layer is
instant), which acknowledges them well inside Discord's 3 seconds however slow the
model is; the rewrite then streams into that same answer.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.coaching import (
    NO_PINGS,
    Coaching,
    cannot_coach,
    respond_or_followup,
    rewrite_file,
)
from bot.discord.cooldown import cooldown_message
from bot.discord.peers import CoachBot
from bot.discord.render import RenderedCritique
from bot.discord.store import DraftOrigin, NewDraft
from bot.discord.views import critique_view, feedback_items, report_failure
from bot.errors import DraftcoachError

log = logging.getLogger(__name__)

#: Longest draft the modal accepts (Discord's maximum for a text input).
MODAL_MAX = 4000

#: The platforms offered as choices; their ids are fixed by the coach's interface.
PLATFORM_CHOICES = [
    app_commands.Choice(name=name, value=value)
    for value, name in (
        ("generic", "Generic"), ("x", "X (Twitter)"), ("linkedin", "LinkedIn"),
        ("instagram", "Instagram"), ("threads", "Threads"), ("bluesky", "Bluesky"),
        ("mastodon", "Mastodon"), ("facebook", "Facebook"), ("youtube", "YouTube comment"),
    )
]

EMPTY = "That draft is empty. Paste the text you want me to look at."


class DraftModal(discord.ui.Modal, title="Critique a draft"):
    draft: discord.ui.TextInput[DraftModal] = discord.ui.TextInput(
        label="Your draft",
        custom_id="draft",
        style=discord.TextStyle.paragraph,
        placeholder="Paste the post, line breaks and all.",
        max_length=MODAL_MAX,
    )

    def __init__(self, cog: Critiques, platform: str | None, private: bool) -> None:
        super().__init__(timeout=15 * 60)
        self.cog = cog
        self.platform = platform
        self.private = private

    async def on_error(  # type: ignore[override]  # discord.py types Modal.on_error as View's
        self, interaction: discord.Interaction, error: Exception, /
    ) -> None:
        await report_failure(interaction, log, "the draft box failed", error=error)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.cog.critique(
            interaction, self.draft.value, platform=self.platform, private=self.private,
            origin="command", author_id=interaction.user.id,
        )


class Critiques(commands.Cog):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot
        self.coaching: Coaching = bot.coaching
        self.menu = app_commands.ContextMenu(name="Critique draft", callback=self.critique_message)
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="critique", description="Check a draft against the principles")
    @app_commands.describe(
        draft="The draft; leave empty to paste a long or multi-line one in a box",
        platform="Where it will be posted (default: the server's platform)",
        private="Show the answer only to you",
    )
    @app_commands.choices(platform=PLATFORM_CHOICES)
    async def critique_command(
        self,
        interaction: discord.Interaction,
        draft: app_commands.Range[str, None, MODAL_MAX] | None = None,
        platform: app_commands.Choice[str] | None = None,
        private: bool = False,
    ) -> None:
        platform_id = platform.value if platform is not None else None
        if draft is None:
            await interaction.response.send_modal(DraftModal(self, platform_id, private))
            return
        await self.critique(
            interaction, draft, platform=platform_id, private=private, origin="command",
            author_id=interaction.user.id,
        )

    async def critique_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        if not message.content.strip():
            await respond_or_followup(
                interaction, "That message has no text for me to critique."
            )
            return
        await self.critique(
            interaction, message.content, platform=None, private=True, origin="menu",
            author_id=message.author.id, message_id=message.id,
            byline=f"draft by {message.author.display_name}",
        )

    async def critique(
        self,
        interaction: discord.Interaction,
        text: str,
        *,
        platform: str | None,
        private: bool,
        origin: DraftOrigin,
        author_id: int,
        message_id: int | None = None,
        byline: str = "",
    ) -> None:
        """Answer with the findings now, then stream the rewrite into the same answer."""
        if not text.strip():
            await respond_or_followup(interaction, EMPTY)
            return
        if (too_long := self.coaching.too_long(text)) is not None:
            await respond_or_followup(interaction, too_long)
            return
        wait = self.coaching.cooldowns.retry_after(interaction.user.id)
        if wait is not None:
            await respond_or_followup(interaction, cooldown_message(wait))
            return
        context = await self.coaching.context(interaction.guild_id, platform,
                                              member_id=interaction.user.id)
        try:
            assessment = await self.coaching.assess_paced(text, context)
        except DraftcoachError as exc:
            await respond_or_followup(interaction, cannot_coach(exc))
            return
        draft = await self.coaching.store.add_draft(NewDraft(
            origin=origin, guild_id=interaction.guild_id, channel_id=interaction.channel_id or 0,
            message_id=message_id, author_id=author_id, requester_id=interaction.user.id,
            platform=context.platform, text=text,
        ))
        await self.coaching.record(draft.id, assessment)
        news = await self.coaching.house_style_news(interaction.guild_id)
        byline = " · ".join(part for part in (byline, news) if part)
        first = self.coaching.render(assessment, byline=byline)
        extra = feedback_items(self.bot, draft.id, interaction.guild_id)
        await interaction.response.send_message(
            embed=first.embed, view=critique_view(draft.id, private=private, extra=extra),
            ephemeral=private, allowed_mentions=NO_PINGS,
        )
        answer = await interaction.original_response()
        await self.coaching.store.set_reply(draft.id, answer.channel.id, answer.id)

        async def show(rendered: RenderedCritique) -> None:
            await interaction.edit_original_response(
                embed=rendered.embed, attachments=rewrite_file(rendered),
                allowed_mentions=NO_PINGS,
            )

        await self.coaching.stream_rewrite(draft.id, assessment, context, show, byline=byline)


async def setup(bot: CoachBot) -> None:
    await bot.add_cog(Critiques(bot))
