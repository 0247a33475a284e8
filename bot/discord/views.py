"""Buttons on every critique, persistent across restarts.

Each button is a :class:`discord.ui.DynamicItem` whose ``custom_id`` carries the
draft's id (``dc:<action>:<draft id>``), so a click on a message sent before a
restart is routed to the right draft without any in-memory view. New actions
(team review, for example) add their own item class with a ``dc:<action>:`` id
and are registered in :data:`PERSISTENT_ITEMS`.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar

import discord
from discord import ui

from bot.discord.coaching import (
    NO_PINGS,
    Coaching,
    cannot_coach,
    respond_or_followup,
    rewrite_file,
)
from bot.discord.cooldown import cooldown_message
from bot.discord.peers import CoachBot, feedback_peer, review_peer
from bot.discord.render import RenderedCritique, render_why, with_footer_note
from bot.discord.store import Draft
from bot.errors import DraftcoachError
from bot.pipeline import NO_OTHER_VERSION

log = logging.getLogger(__name__)

GONE = "This critique is no longer available."
SOMETHING_WENT_WRONG = (
    "Something went wrong on my side and I couldn't finish that. It has been logged; "
    "please try again in a moment."
)
DISMISSED = "This critique was dismissed."


async def report_failure(
    interaction: discord.Interaction, logger: logging.Logger, message: str, *args: object,
    error: BaseException | None = None,
) -> None:
    """Log what failed (``error``, or else the exception being handled) and tell the member,
    so an interaction is never left without an answer."""
    logger.error(message, *args, exc_info=error if error is not None else True)
    with contextlib.suppress(discord.HTTPException):
        await respond_or_followup(interaction, SOMETHING_WENT_WRONG)


async def show_form(interaction: discord.Interaction, form: ui.Modal) -> None:
    await interaction.response.send_modal(form)
    # Not kept in memory: the submission is answered from its custom_id (answer_form).
    form.stop()


async def answer_form(
    interaction: discord.Interaction, form_id: re.Pattern[str],
    handle: Callable[[re.Match[str], dict[str, str]], Awaitable[None]],
) -> None:
    """Answer a submitted form whose custom_id matches ``form_id`` with ``handle`` (the
    match and the form's values); other interactions pass by. Forms are answered from
    their custom_id alone, like the buttons, so a box left open while the bot restarts
    still works when submitted. A failure is logged and the member told."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return
    data: Any = interaction.data or {}
    match = form_id.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return
    try:
        await handle(match, submitted_values(data))
    except Exception:
        await report_failure(interaction, log, "the form %s failed", match.group())


def submitted_values(data: Any) -> dict[str, str]:
    """custom_id -> value of a submitted form's text inputs (in rows or labels)."""
    values: dict[str, str] = {}
    for component in (data or {}).get("components", []):
        children = component.get("components") or [component.get("component") or {}]
        for child in children:
            if "custom_id" in child and isinstance(child.get("value"), str):
                values[child["custom_id"]] = child["value"]
    return values


def coaching_of(interaction: discord.Interaction) -> Coaching:
    bot = interaction.client
    assert isinstance(bot, CoachBot)
    return bot.coaching


async def decorated(
    interaction: discord.Interaction, draft_id: int, embed: discord.Embed
) -> discord.Embed:
    """A critique embed with what other features add to it (the team review's status)."""
    review = review_peer(interaction.client)
    return embed if review is None else await review.decorate(draft_id, embed)


def feedback_items(
    client: discord.Client, draft_id: int, guild_id: int | None
) -> list[ui.Item[Any]]:
    """The "Not helpful" control under a critique: in servers only, where votes count."""
    feedback = feedback_peer(client)
    return [] if feedback is None or guild_id is None else feedback.buttons(draft_id)


async def may_ask_again(interaction: discord.Interaction, draft: Draft) -> bool:
    """The draft's author or requester, or (for a draft under team review) its reviewers."""
    if draft.may_manage(interaction.user.id):
        return True
    review = review_peer(interaction.client)
    return review is not None and await review.is_reviewer(interaction, draft)


async def load_draft(interaction: discord.Interaction, draft_id: int) -> Draft | None:
    """The draft behind a button, or ``None`` after telling the user why not."""
    draft = await coaching_of(interaction).store.draft(draft_id)
    if draft is None or draft.guild_id != interaction.guild_id:
        # A draft from another server (a forged button or form) is no more there than
        # a deleted one.
        await respond_or_followup(interaction, GONE)
        return None
    if draft.dismissed:
        await respond_or_followup(interaction, DISMISSED)
        return None
    return draft


class DraftButton(
    ui.DynamicItem[ui.Button[Any]], template=r"dc:(?P<action>[a-z]+):(?P<draft>\d+)"
):
    """A button about one draft; subclasses set the label and a ``dc:<action>:`` template."""

    action: ClassVar[str]
    label: ClassVar[str]
    emoji: ClassVar[str]
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary

    def __init__(self, draft_id: int) -> None:
        super().__init__(ui.Button(label=self.label, emoji=self.emoji, style=self.style,
                                   custom_id=f"dc:{self.action}:{draft_id}"))
        self.draft_id = draft_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: Any, /
    ) -> DraftButton:
        return cls(int(match["draft"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.handle(interaction)
        except Exception:
            await report_failure(interaction, log, "the %r button failed for draft %d",
                                 self.label, self.draft_id)

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class AnotherVersionButton(DraftButton, template=r"dc:again:(?P<draft>\d+)"):
    action = "again"
    label = "Another version"
    emoji = "🔁"
    style = discord.ButtonStyle.primary

    async def handle(self, interaction: discord.Interaction) -> None:
        coaching = coaching_of(interaction)
        draft = await load_draft(interaction, self.draft_id)
        if draft is None:
            return
        if not await may_ask_again(interaction, draft):
            await respond_or_followup(
                interaction, "Only the draft's author and its reviewers can ask for another "
                "version. Want one of your own? Use /critique with the text.")
            return
        if draft.text is None:
            days = coaching.settings.discord.retention_days
            await respond_or_followup(
                interaction,
                f"I only keep a draft's text for {days} days, and this one is older. "
                "Post it again and I'll write a fresh version.",
            )
            return
        if draft.id in coaching.writing:
            await respond_or_followup(interaction, "I'm already writing a version of this draft.")
            return
        context = await coaching.draft_context(draft, member_id=interaction.user.id)
        if not coaching.pipeline.another_version_possible(context.offline):
            # Nothing new to write, so it costs the member none of their critiques.
            await respond_or_followup(interaction, NO_OTHER_VERSION)
            return
        wait = coaching.cooldowns.retry_after(interaction.user.id)
        if wait is not None:
            await respond_or_followup(interaction, cooldown_message(wait))
            return
        try:
            assessment = await coaching.reassess(draft, draft.text, context)
        except DraftcoachError as exc:
            await respond_or_followup(interaction, cannot_coach(exc))
            return
        first = coaching.render(assessment)
        # Acknowledge at once by showing the "writing…" state; the rewrite follows.
        await interaction.response.edit_message(
            embed=await decorated(interaction, draft.id, first.embed), attachments=[],
            allowed_mentions=NO_PINGS,
        )

        async def show(rendered: RenderedCritique) -> None:
            await interaction.edit_original_response(
                embed=await decorated(interaction, draft.id, rendered.embed),
                attachments=rewrite_file(rendered), allowed_mentions=NO_PINGS,
            )

        await coaching.stream_rewrite(draft.id, assessment, context, show, fresh=True)


class WhyButton(DraftButton, template=r"dc:why:(?P<draft>\d+)"):
    action = "why"
    label = "Why?"
    emoji = "💬"

    async def handle(self, interaction: discord.Interaction) -> None:
        coaching = coaching_of(interaction)
        draft = await load_draft(interaction, self.draft_id)
        if draft is None:
            return
        embed = render_why(draft.principles, coaching.coach.principles)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )


class DismissButton(DraftButton, template=r"dc:dismiss:(?P<draft>\d+)"):
    action = "dismiss"
    label = "Dismiss"
    emoji = "🗑️"

    async def handle(self, interaction: discord.Interaction) -> None:
        draft = await load_draft(interaction, self.draft_id)
        if draft is None:
            return
        if not draft.may_manage(interaction.user.id):
            await respond_or_followup(
                interaction, "Only the draft's author can dismiss this critique."
            )
            return
        await coaching_of(interaction).store.dismiss(draft.id)
        await interaction.response.defer()
        await interaction.delete_original_response()


class PostItButton(DraftButton, template=r"dc:post:(?P<draft>\d+)"):
    """Shares a private critique (context menu, ``private:``) with the channel."""

    action = "post"
    label = "Post it"
    emoji = "📣"
    style = discord.ButtonStyle.success

    async def handle(self, interaction: discord.Interaction) -> None:
        coaching = coaching_of(interaction)
        draft = await load_draft(interaction, self.draft_id)
        if draft is None:
            return
        if draft.id in coaching.writing:
            # The private answer is still being edited; sharing it now would post a
            # copy frozen in its "writing…" state.
            await respond_or_followup(
                interaction, "The rewrite is still being written; post it in a moment."
            )
            return
        message = interaction.message
        if message is None or not message.embeds:
            await respond_or_followup(interaction, GONE)
            return
        embed = with_footer_note(message.embeds[0],
                                 f"shared by {interaction.user.display_name}")
        attachments = list(message.attachments)
        await interaction.response.edit_message(
            content="Posted for the channel to see.", embed=None, view=None, attachments=[],
            allowed_mentions=NO_PINGS,
        )
        # The full rewrite, when it came as a file, goes along with the copy.
        files = [await attachment.to_file() for attachment in attachments]
        posted = await interaction.followup.send(
            embed=embed, files=files,
            view=critique_view(draft.id, private=False, extra=feedback_items(
                interaction.client, draft.id, draft.guild_id)),
            allowed_mentions=NO_PINGS, wait=True,
        )
        await coaching.store.set_reply(draft.id, posted.channel.id, posted.id)


#: Every persistent item class; registered with the bot at start-up.
PERSISTENT_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (
    AnotherVersionButton, WhyButton, DismissButton, PostItButton,
)


def critique_view(
    draft_id: int, *, private: bool, extra: Iterable[ui.Item[Any]] = ()
) -> ui.View:
    """The buttons under a critique; ``private`` answers get "Post it" instead of "Dismiss"."""
    view = ui.View(timeout=None)
    view.add_item(AnotherVersionButton(draft_id))
    view.add_item(WhyButton(draft_id))
    view.add_item(PostItButton(draft_id) if private else DismissButton(draft_id))
    for item in extra:
        view.add_item(item)
    return view
