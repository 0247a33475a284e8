"""What the bot's parts ask of one another, so none imports another that imports it back.

Cogs and views take the bot as a :class:`CoachBot` (built by ``bot.discord.app``) and
reach the other cogs through the small protocols below, found by cog name: each cog is
optional, so a missing one reads as ``None``.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

import discord
from discord import ui
from discord.ext import commands

from bot.discord.coaching import Coaching
from bot.discord.store import Draft, Store
from bot.models import Assessment
from bot.settings import Settings


class CoachBot(commands.Bot):
    """The bot as its cogs and views see it: its resources, set when it is built."""

    settings: Settings
    store: Store
    coaching: Coaching


class ReviewPeer(Protocol):
    """The team review (cog ``TeamReview``)."""

    async def critiqued(self, draft: Draft, assessment: Assessment, *, previous: Draft | None,
                        adopted: bool = False) -> None: ...

    async def decorate(self, draft_id: int, embed: discord.Embed) -> discord.Embed: ...

    async def buttons(self, draft_id: int) -> list[ui.Item[Any]]: ...

    async def is_reviewer(self, interaction: discord.Interaction, draft: Draft) -> bool: ...

    async def thread_message(self, message: discord.Message) -> None: ...


class DraftsPeer(Protocol):
    """The drafts channels (cog ``DraftsChannels``)."""

    async def revise(self, draft_id: int, text: str, *, adopted: bool = False) -> None: ...

    async def existing_reply(self, draft: Draft) -> discord.PartialMessage | None: ...


class FeedbackPeer(Protocol):
    """Feedback on findings (cog ``FindingFeedback``)."""

    def buttons(self, draft_id: int) -> list[ui.Item[Any]]: ...


class DirectPeer(Protocol):
    """Drafts sent to the bot in direct messages (cog ``DirectDrafts``)."""

    async def critique(self, message: discord.Message) -> None: ...


def _cog(client: discord.Client, name: str) -> Any:
    return client.get_cog(name) if isinstance(client, commands.Bot) else None


def review_peer(client: discord.Client) -> ReviewPeer | None:
    return cast("ReviewPeer | None", _cog(client, "TeamReview"))


def drafts_peer(client: discord.Client) -> DraftsPeer | None:
    return cast("DraftsPeer | None", _cog(client, "DraftsChannels"))


def feedback_peer(client: discord.Client) -> FeedbackPeer | None:
    return cast("FeedbackPeer | None", _cog(client, "FindingFeedback"))


def direct_peer(client: discord.Client) -> DirectPeer | None:
    return cast("DirectPeer | None", _cog(client, "DirectDrafts"))
