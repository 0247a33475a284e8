"""Team review: teammates approve drafts or ask for changes; the author revises and posts.

The rules (statuses, material changes, what the card shows) live in
:mod:`bot.discord.review`; this cog wires them to buttons, modals, the drafts
cog's critiques and the ``/coach queue|stats|review`` commands.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot.discord.coaching import NO_PINGS, Coaching, pinging, respond_or_followup
from bot.discord.cogs.coach import answer, join_group, leave_group, managed_guild
from bot.discord.cooldown import cooldown_message
from bot.discord.locks import KeyedLocks
from bot.discord.peers import CoachBot, drafts_peer
from bot.discord.render import CONTENT_LIMIT, truncate, with_field
from bot.discord.review import (
    AWAITING_REVIEW,
    NOT_UNDER_REVIEW,
    REVIEW_FIELD,
    QueueEntry,
    Status,
    adopt_refusal,
    adopted_notice,
    final_text_blocks,
    fixed_principles,
    is_material_change,
    is_new_version,
    open_errors_notice,
    refusal,
    render_queue,
    render_stats,
    required_approvals,
    review_field_value,
    review_status,
    reviewers_who_acted,
    reviews_reset_notice,
    revision_note,
    tally,
    with_team_fields,
)
from bot.discord.store import Draft, ReviewerRule, ReviewState, ReviewVerdict
from bot.discord.views import DraftButton, answer_form, load_draft, show_form
from bot.errors import DraftcoachError
from bot.models import Assessment, Finding

log = logging.getLogger(__name__)

MAX_APPROVALS = 10
#: Longest membership a server can ask of its reviewers, in days.
MAX_MEMBER_DAYS = 3650


def review_of(interaction: discord.Interaction) -> TeamReview:
    cog = interaction.client.get_cog("TeamReview")  # type: ignore[attr-defined]
    assert isinstance(cog, TeamReview)
    return cog


# ------------------------------------------------------------------- buttons


class ReviewButton(
    DraftButton, template=r"dc:(?P<action>approve|changes):(?P<draft>\d+):(?P<revision>\d+)"
):
    """A review button; its id names the revision it was shown for (``dc:approve:7:2``)."""

    def __init__(self, draft_id: int, revision: int = 1) -> None:
        ui.DynamicItem.__init__(self, ui.Button(
            label=self.label, emoji=self.emoji, style=self.style,
            custom_id=f"dc:{self.action}:{draft_id}:{revision}"))
        self.draft_id = draft_id
        self.revision = revision

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: Any, /
    ) -> ReviewButton:
        return cls(int(match["draft"]), int(match["revision"]))


class ApproveButton(ReviewButton, template=r"dc:approve:(?P<draft>\d+):(?P<revision>\d+)"):
    action = "approve"
    label = "Approve"
    emoji = "✅"
    style = discord.ButtonStyle.success

    async def handle(self, interaction: discord.Interaction) -> None:
        await review_of(interaction).approve(interaction, self.draft_id, self.revision)


class RequestChangesButton(
    ReviewButton, template=r"dc:changes:(?P<draft>\d+):(?P<revision>\d+)"
):
    action = "changes"
    label = "Request changes"
    emoji = "✏️"

    async def handle(self, interaction: discord.Interaction) -> None:
        await review_of(interaction).ask_for_changes(interaction, self.draft_id, self.revision)


class ConfirmApproveButton(
    ReviewButton, template=r"dc:approve-anyway:(?P<draft>\d+):(?P<revision>\d+)"
):
    """On the private question shown to a reviewer approving a draft with open errors."""

    action = "approve-anyway"
    label = "Approve anyway"
    emoji = "✅"
    style = discord.ButtonStyle.danger

    async def handle(self, interaction: discord.Interaction) -> None:
        await review_of(interaction).approve(interaction, self.draft_id, self.revision,
                                             confirmed=True)


class AdoptRewriteButton(DraftButton, template=r"dc:adopt:(?P<draft>\d+)"):
    """The author makes the rewrite on the card the draft's next revision."""

    action = "adopt"
    label = "Use this rewrite"
    emoji = "📝"
    style = discord.ButtonStyle.primary

    async def handle(self, interaction: discord.Interaction) -> None:
        await review_of(interaction).adopt_rewrite(interaction, self.draft_id)


class MarkPostedButton(DraftButton, template=r"dc:posted:(?P<draft>\d+)"):
    action = "posted"
    label = "Mark posted"
    emoji = "📣"
    style = discord.ButtonStyle.primary

    async def handle(self, interaction: discord.Interaction) -> None:
        await review_of(interaction).ask_posted(interaction, self.draft_id)


REVIEW_ITEMS: tuple[type[ui.DynamicItem[Any]], ...] = (
    ApproveButton, RequestChangesButton, MarkPostedButton, ConfirmApproveButton,
    AdoptRewriteButton,
)


# -------------------------------------------------------------------- modals

#: Forms are answered by the cog's ``on_interaction`` from their ``custom_id`` alone, like
#: the buttons, so a box left open while the bot restarts still works when submitted.
FORM_ID = re.compile(r"dc:(?P<form>changes|posted)-form:(?P<draft>\d+)(?::(?P<revision>\d+))?")


class ChangesForm(ui.Modal, title="Request changes"):
    reason: ui.TextInput[ChangesForm] = ui.TextInput(
        label="What should change?", custom_id="reason", style=discord.TextStyle.paragraph,
        placeholder="Be specific: which words, and why.", min_length=3, max_length=1000,
    )

    def __init__(self, draft_id: int, revision: int) -> None:
        super().__init__(custom_id=f"dc:changes-form:{draft_id}:{revision}")


class PostedForm(ui.Modal, title="Mark as posted"):
    link: ui.TextInput[PostedForm] = ui.TextInput(
        label="Link to the post (optional)", custom_id="link", required=False,
        placeholder="https://…", max_length=500,
    )

    def __init__(self, draft_id: int) -> None:
        super().__init__(custom_id=f"dc:posted-form:{draft_id}")


# ----------------------------------------------------------------------- cog


class TeamReview(commands.Cog):
    #: ``/coach review``, for authors.
    review = app_commands.Group(name="review", description="Team review of your draft")
    #: ``/coach-admin review``, the server's review settings.
    review_settings = app_commands.Group(name="review", description="Team review settings")

    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot
        self.coaching: Coaching = bot.coaching
        self.store = bot.coaching.store
        # One review change at a time per draft, so the card always shows the latest state.
        self._lock = KeyedLocks()

    async def cog_load(self) -> None:
        # The settings join /coach-admin; the rest joins /coach (the guide cog's group).
        join_group(self, self.bot, "coach-admin", only=[self.review_settings])
        join_group(self, self.bot, "coach")
        self.bot.add_dynamic_items(*REVIEW_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*REVIEW_ITEMS)
        for name in ("queue", "stats", "review"):
            leave_group(self.bot, name, "coach")
        leave_group(self.bot, "review", "coach-admin")

    # ------------------------------------------------- the critique's card

    async def critiqued(
        self, draft: Draft, assessment: Assessment, *, previous: Draft | None,
        adopted: bool = False,
    ) -> None:
        """A watched-channel draft was critiqued: open its review, or judge the revision.

        ``adopted``: the author took the rewrite, which always starts a new revision.
        """
        principles = [f.principle for f in assessment.findings]
        state = await self.store.review_state(draft.id)
        # The review is opened with the claim (see Store.claim_channel_draft); its first
        # revision is the first critique, which a draft answered only with a note (no
        # text, the cooldown) has not had yet.
        if state is None or previous is None or previous.score is None:
            await self.store.open_review(draft.id, score=assessment.score, principles=principles)
            return
        material = adopted or is_material_change(
            previous.text, assessment.text, score_before=previous.score,
            score_after=assessment.score, principles_before=previous.principles,
            principles_after=principles,
        )
        async with self._lock(draft.id):
            revision = state.revision
            if material and state.posted_at is None:
                revision = await self.store.new_revision(
                    draft.id, score=assessment.score, principles=principles)
        reset = material and state.posted_at is None
        change = revision_note(
            revision=revision, score_before=previous.score, score_after=assessment.score,
            fixed=fixed_principles(previous.principles, principles),
            material=reset, had_reviews=bool(state.reviews),
            principles=self.coaching.coach.principles, posted=state.posted_at is not None,
        )
        await self.store.set_last_change(draft.id, change)
        reviewers = reviewers_who_acted(state, draft.author_id)
        if reset and reviewers:
            await self._send_to_thread(draft, reviews_reset_notice(revision, change, reviewers),
                                       mentions=await self._pinging(draft, reviewers))
        elif not reset and state.announced_revision == state.revision:
            # A small fix after the approval: the author copies the corrected text.
            found = await self._state(draft.id)
            if found is not None and found[2] == "approved":
                await self._announce_approval(found[0], found[1], updated=True)

    async def decorate(self, draft_id: int, embed: discord.Embed) -> discord.Embed:
        """``embed`` with the draft's review field, if the draft is under review."""
        found = await self._state(draft_id)
        if found is None:
            return embed
        draft, state, status, required = found
        value = review_field_value(status=status, state=state, author_id=draft.author_id,
                                   required=required)
        return with_field(embed, REVIEW_FIELD, value)

    async def buttons(self, draft_id: int) -> list[ui.Item[Any]]:
        state = await self.store.review_state(draft_id)
        if state is None:
            return []
        return [ApproveButton(draft_id, state.revision),
                RequestChangesButton(draft_id, state.revision), AdoptRewriteButton(draft_id)]

    async def _pinging(self, draft: Draft, members: Iterable[int]) -> discord.AllowedMentions:
        """Mentions that reach ``members``, unless the server switched mentions off."""
        if draft.guild_id is None or not (await self.store.guild_settings(draft.guild_id)).mentions:
            return NO_PINGS
        return pinging(members)

    async def _join_thread(self, draft: Draft, member: discord.abc.Snowflake) -> None:
        """Add a reviewer who acted to the draft's thread, so its messages reach them."""
        critique = await self._critique_message(draft)
        if critique is None or not isinstance(critique.channel, discord.Thread):
            return
        try:
            await critique.channel.add_user(member)
        except discord.HTTPException as exc:
            log.warning("could not add a reviewer to the thread of draft %d: %s", draft.id, exc)

    async def _state(self, draft_id: int) -> tuple[Draft, ReviewState, Status, int] | None:
        draft = await self.store.draft(draft_id)
        state = await self.store.review_state(draft_id)
        if draft is None or state is None:
            return None
        required = required_approvals(await self.store.review_approvals(draft.guild_id or 0),
                                      state)
        status = review_status(coach_verdict=draft.verdict, state=state,
                               author_id=draft.author_id, required=required)
        return draft, state, status, required

    async def _critique_message(self, draft: Draft) -> discord.PartialMessage | None:
        """The bot's critique of ``draft`` (in its thread, or a reply)."""
        drafts = drafts_peer(self.bot)
        return None if drafts is None else await drafts.existing_reply(draft)

    async def _send_to_thread(
        self, draft: Draft, content: str, *,
        mentions: discord.AllowedMentions = NO_PINGS, **kwargs: Any,
    ) -> None:
        """Post next to the critique: in the draft's thread, or its channel without one."""
        critique = await self._critique_message(draft)
        if critique is None:
            return
        try:
            await critique.channel.send(content, allowed_mentions=mentions, **kwargs)
        except discord.HTTPException as exc:
            log.warning("could not post in the thread of draft %d: %s", draft.id, exc)

    async def refresh_card(self, draft_id: int) -> None:
        """Show the draft's current review state on its critique."""
        draft = await self.store.draft(draft_id)
        critique = None if draft is None else await self._critique_message(draft)
        if critique is None:
            return
        try:
            message = await critique.fetch()
            if message.embeds:
                await message.edit(embed=await self.decorate(draft_id, message.embeds[0]),
                                   allowed_mentions=NO_PINGS)
        except discord.NotFound:
            log.info("the critique of draft %d is gone; nothing to update", draft_id)
        except discord.HTTPException as exc:
            log.warning("could not update the review of draft %d: %s", draft_id, exc)

    # ------------------------------------------------------------- reviews

    async def _reviewable(
        self, interaction: discord.Interaction, draft_id: int, revision: int,
        verdict: ReviewVerdict,
    ) -> Draft | None:
        draft = await load_draft(interaction, draft_id)
        if draft is None:
            return None
        state = await self.store.review_state(draft_id)
        problem = refusal(draft=draft, state=state, user_id=interaction.user.id,
                          revision=revision, verdict=verdict)
        if problem is None:
            problem = await self.reviewer_problem(interaction, draft)
        if problem is not None:
            await respond_or_followup(interaction, problem)
            return None
        return draft

    async def reviewer_problem(
        self, interaction: discord.Interaction, draft: Draft
    ) -> str | None:
        """Why this member may not review ``draft``, politely; ``None`` if they may.

        A reviewer is a person (not a bot or a webhook) who can read the draft's channel
        and meets the server's rule (a role, days of membership: ``/coach-admin review
        reviewers``).
        """
        member, guild = interaction.user, interaction.guild
        if member.bot or guild is None or not isinstance(member, discord.Member):
            return "Only members of the draft's server can review it."
        if not self._can_read(interaction, draft.channel_id):
            return "You can't read the channel this draft was posted in, so you can't review it."
        rule = await self.store.reviewer_rule(guild.id)
        if rule.role_id is not None and member.get_role(rule.role_id) is None:
            role = guild.get_role(rule.role_id)
            name = role.name if role is not None else "reviewer"
            return f"Drafts here are reviewed by members with the **{name}** role."
        joined = member.joined_at
        if rule.min_days and (joined is None or interaction.created_at - joined
                              < timedelta(days=rule.min_days)):
            return (f"Drafts here are reviewed by members of at least {rule.min_days} "
                    f"day{'s' if rule.min_days != 1 else ''}; you joined more recently.")
        return None

    async def is_reviewer(self, interaction: discord.Interaction, draft: Draft) -> bool:
        """May this member review ``draft`` (a draft under team review)?"""
        return (await self.store.review_state(draft.id) is not None
                and await self.reviewer_problem(interaction, draft) is None)

    async def approve(
        self, interaction: discord.Interaction, draft_id: int, revision: int, *,
        confirmed: bool = False,
    ) -> None:
        draft = await self._reviewable(interaction, draft_id, revision, "approve")
        if draft is None:
            return
        if not confirmed:
            errors = await self._open_errors(draft)
            if errors:
                view = ui.View(timeout=None)
                view.add_item(ConfirmApproveButton(draft_id, revision))
                await interaction.response.send_message(
                    open_errors_notice(errors, self.coaching.coach.principles), view=view,
                    ephemeral=True, allowed_mentions=NO_PINGS)
                return
        async with self._lock(draft_id):
            if not await self._record(interaction, draft, revision, "approve"):
                return
            found = await self._state(draft_id)
            assert found is not None
            _, state, status, required = found
            message = interaction.message
            if confirmed:
                await interaction.response.edit_message(
                    content="✅ Approved, errors and all.", view=None, allowed_mentions=NO_PINGS)
                await self.refresh_card(draft_id)
            elif message is not None and message.embeds:
                value = review_field_value(status=status, state=state,
                                           author_id=draft.author_id, required=required)
                await interaction.response.edit_message(
                    embed=with_field(message.embeds[0], REVIEW_FIELD, value),
                    allowed_mentions=NO_PINGS)
            else:
                await interaction.response.defer()
                await self.refresh_card(draft_id)
        await self._join_thread(draft, interaction.user)
        await self._announce_if_approved(draft_id)

    async def _open_errors(self, draft: Draft) -> list[Finding]:
        """The error findings on the draft as it stands, with the server's rule settings."""
        if draft.text is None:
            return []
        try:
            assessment = await self.coaching.reassess(draft, draft.text)
        except DraftcoachError:
            return []  # a draft too much to check has no findings to warn about
        return [f for f in assessment.findings if f.severity == "error"]

    async def _announce_if_approved(self, draft_id: int) -> None:
        found = await self._state(draft_id)
        if found is None:
            return
        draft, state, status, _ = found
        if status == "approved" and await self.store.claim_approval_announcement(
                draft_id, state.revision):
            await self._announce_approval(draft, state)

    async def _record(
        self, interaction: discord.Interaction, draft: Draft, revision: int,
        verdict: ReviewVerdict, reason: str | None = None,
    ) -> bool:
        recorded = await self.store.add_review(
            draft.id, revision=revision, reviewer_id=interaction.user.id,
            reviewer_name=interaction.user.display_name, verdict=verdict, reason=reason,
        )
        if not recorded:
            await respond_or_followup(
                interaction, "The draft changed while you were reviewing it. Have a look at "
                "the new version on the critique and review that one.")
        return recorded

    async def _announce_approval(
        self, draft: Draft, state: ReviewState, *, updated: bool = False
    ) -> None:
        latest = await self.store.review_state(draft.id) or state
        names = ", ".join(r.reviewer_name for r in tally(latest.reviews, draft.author_id).approvals)
        head = truncate(
            f"✏️ <@{draft.author_id}>, after your small edit (still approved by {names}), "
            "here is the final text to copy." if updated else
            f"✅ <@{draft.author_id}>, your draft is approved by {names}. Here is the final "
            "text to copy; press **Mark posted** once it is out.", CONTENT_LIMIT)
        view = ui.View(timeout=None)
        view.add_item(MarkPostedButton(draft.id))
        # The first announcement pings the author; after their own small edit, no need.
        ping = NO_PINGS if updated else await self._pinging(draft, [draft.author_id])
        if draft.text is None:
            days = self.coaching.settings.discord.retention_days
            await self._send_to_thread(
                draft, head + f"\n(I only keep drafts' text for {days} days, and this one "
                "is older: copy it from your message.)", view=view, mentions=ping)
            return
        blocks = final_text_blocks(draft.text)
        if blocks is None:
            data = io.BytesIO(draft.text.encode("utf-8"))
            await self._send_to_thread(draft, head, view=view, mentions=ping,
                                       file=discord.File(data, filename="final-draft.txt"))
            return
        await self._send_to_thread(draft, head, mentions=ping)
        for index, block in enumerate(blocks):
            last = index == len(blocks) - 1
            await self._send_to_thread(draft, block, **({"view": view} if last else {}))

    async def ask_for_changes(
        self, interaction: discord.Interaction, draft_id: int, revision: int
    ) -> None:
        if await self._reviewable(interaction, draft_id, revision, "changes") is None:
            return
        await show_form(interaction, ChangesForm(draft_id, revision))

    async def request_changes(
        self, interaction: discord.Interaction, draft_id: int, revision: int, reason: str
    ) -> None:
        draft = await self._reviewable(interaction, draft_id, revision, "changes")
        if draft is None:
            return
        reason = reason.strip()
        if not reason:
            await respond_or_followup(interaction, "Say what should change, so the author "
                                                   "knows what to fix; press the button again.")
            return
        async with self._lock(draft_id):
            if not await self._record(interaction, draft, revision, "changes", reason):
                return
            quoted = "\n".join(f"> {line}" for line in reason.splitlines() if line.strip())
            await interaction.response.send_message(
                truncate(f"✏️ **{interaction.user.display_name}** asked <@{draft.author_id}> "
                         f"for changes:\n{quoted}", CONTENT_LIMIT),
                allowed_mentions=await self._pinging(draft, [draft.author_id]))
            await self.refresh_card(draft_id)
        await self._join_thread(draft, interaction.user)

    # ------------------------------------------------------------ adopting

    async def adopt_rewrite(self, interaction: discord.Interaction, draft_id: int) -> None:
        """The author takes the card's rewrite: posted in the thread, then its next revision."""
        draft = await load_draft(interaction, draft_id)
        if draft is None:
            return
        state = await self.store.review_state(draft_id)
        rewrite = await self.store.draft_rewrite(draft_id)
        problem = adopt_refusal(draft=draft, state=state, user_id=interaction.user.id,
                                rewrite=rewrite, writing=draft_id in self.coaching.writing)
        if problem is not None or rewrite is None or state is None:
            await respond_or_followup(interaction, problem or "There is no rewrite to use yet.")
            return
        # Adopting critiques the new text and asks for its rewrite, like posting a draft.
        wait = self.coaching.cooldowns.retry_after(interaction.user.id)
        if wait is not None:
            await respond_or_followup(interaction, cooldown_message(wait))
            return
        drafts = drafts_peer(self.bot)
        if drafts is None:
            await respond_or_followup(interaction, "Drafts channels are not running right now.")
            return
        await interaction.response.send_message(
            adopted_notice(interaction.user.display_name, state.revision + 1),
            allowed_mentions=NO_PINGS)
        blocks = final_text_blocks(rewrite)
        if blocks is None:
            data = io.BytesIO(rewrite.encode("utf-8"))
            await self._send_to_thread(draft, "", file=discord.File(data, filename="revision.txt"))
        for block in blocks or ():
            await self._send_to_thread(draft, block)
        await drafts.revise(draft_id, rewrite, adopted=True)

    # --------------------------------------------------------------- posted

    async def ask_posted(self, interaction: discord.Interaction, draft_id: int) -> None:
        if await self._postable(interaction, draft_id) is not None:
            await show_form(interaction, PostedForm(draft_id))

    async def _postable(self, interaction: discord.Interaction, draft_id: int) -> Draft | None:
        draft = await load_draft(interaction, draft_id)
        if draft is None:
            return None
        found = await self._state(draft_id)
        if interaction.user.id != draft.author_id:
            problem = "Only the draft's author can mark it posted."
        elif found is None:
            problem = NOT_UNDER_REVIEW
        elif found[2] == "posted":
            problem = "This draft is already marked posted."
        elif found[2] != "approved":
            problem = (f"This draft is **{found[2]}** now (it changed after the approval), "
                       "so it needs the team's approval again before it goes out.")
        else:
            return draft
        await respond_or_followup(interaction, problem)
        return None

    async def mark_posted(self, interaction: discord.Interaction, draft_id: int, link: str) -> None:
        link = link.strip()
        if link and not link.startswith(("https://", "http://")):
            await respond_or_followup(
                interaction, "That doesn't look like a link: it should start with https://. "
                "Press **Mark posted** again to fix it, or leave the link empty.")
            return
        if await self._postable(interaction, draft_id) is None:
            return
        if not await self.store.mark_posted(draft_id, link or None):
            await respond_or_followup(interaction, "This draft is already marked posted.")
            return
        await interaction.response.send_message(
            "📣 Marked as posted" + (f": {link}" if link else ".") + " Nice work, team!",
            allowed_mentions=NO_PINGS)
        await self.refresh_card(draft_id)

    # ------------------------------------------------------------ listeners

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A submitted "Request changes" or "Mark posted" form (see :data:`FORM_ID`)."""
        async def handle(match: re.Match[str], values: dict[str, str]) -> None:
            draft_id = int(match["draft"])
            if match["form"] == "changes":
                await self.request_changes(interaction, draft_id, int(match["revision"] or 0),
                                           values.get("reason", ""))
            else:
                await self.mark_posted(interaction, draft_id, values.get("link", ""))

        await answer_form(interaction, FORM_ID, handle)

    async def thread_message(self, message: discord.Message) -> None:
        """A message in a thread: maybe the author posting a new version of the draft the
        thread is about. (The drafts cog passes these on; see its ``on_message``.)"""
        channel = message.channel
        if (not self.bot.intents.message_content or message.author.bot
                or not isinstance(channel, discord.Thread)
                or channel.parent_id not in self.coaching.watched):
            return
        draft = await self.store.channel_draft(channel.id)
        if (draft is None or draft.dismissed or message.author.id != draft.author_id
                or not is_new_version(draft.text, message.content)):
            return
        drafts = drafts_peer(self.bot)
        if drafts is not None:
            await drafts.revise(draft.id, message.content)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.channel_id not in self.coaching.watched:
            return
        draft = await self.store.channel_draft(payload.message_id)
        if draft is None or await self.store.review_state(draft.id) is None:
            return
        await self.store.mark_message_deleted(draft.id)
        await self.refresh_card(draft.id)

    # ------------------------------------------------------------- commands

    @app_commands.command(name="queue", description="Drafts waiting for a teammate's review")
    @app_commands.describe(share="Show the list to the channel instead of only to you")
    async def queue(self, interaction: discord.Interaction, share: bool = False) -> None:
        assert interaction.guild is not None
        server = await self.store.review_approvals(interaction.guild.id)
        entries = []
        changes: list[tuple[float, QueueEntry]] = []
        for draft, state in await self.store.open_reviews(interaction.guild.id):
            if not self._can_read(interaction, draft.channel_id):
                continue
            required = required_approvals(server, state)
            status = review_status(coach_verdict=draft.verdict, state=state,
                                   author_id=draft.author_id, required=required)
            counted = tally(state.reviews, draft.author_id)
            entry = QueueEntry(draft, status, len(counted.approvals), required)
            if status in AWAITING_REVIEW:
                entries.append(entry)
            elif status == "changes requested":
                changes.append((min(r.created_at for r in counted.change_requests), entry))
        changes.sort(key=lambda item: (item[0], item[1].draft.id))
        await interaction.response.send_message(
            embed=render_queue(entries, now=time.time(), changes=[e for _, e in changes]),
            ephemeral=not share, allowed_mentions=NO_PINGS)

    @staticmethod
    def _can_read(interaction: discord.Interaction, channel_id: int) -> bool:
        """Can the member who asked read this channel? (The queue shows nothing else.)"""
        guild, member = interaction.guild, interaction.user
        channel = None if guild is None else guild.get_channel(channel_id)
        return (channel is not None and isinstance(member, discord.Member)
                and channel.permissions_for(member).read_messages)

    @app_commands.command(name="stats", description="A member's drafts over time")
    @app_commands.describe(member="Whose drafts (default: yours)",
                           share="Show the stats to the channel instead of only to you")
    async def stats(
        self, interaction: discord.Interaction, member: discord.Member | None = None,
        share: bool = False,
    ) -> None:
        assert interaction.guild is not None
        who = member or interaction.user
        guild_id = interaction.guild.id
        stats = await self.store.member_stats(guild_id, who.id)
        server = await self.store.guild_settings(guild_id)
        embed = with_team_fields(
            render_stats(who.display_name, stats, self.coaching.coach.principles),
            dismissed=await self.store.most_dismissed(guild_id),
            tokens_used=(await self.store.model_usage(guild_id, server.budget_period)
                         if self.coaching.pipeline.uses_model else None),
            budget=server.token_budget, period=server.budget_period)
        await interaction.response.send_message(embed=embed, ephemeral=not share,
                                                allowed_mentions=NO_PINGS)

    @review.command(name="need", description="Ask for more approvals on your draft "
                                             "(run it in the draft's thread)")
    @app_commands.describe(count="Approvals your draft needs (at least the server's number)")
    async def need(
        self, interaction: discord.Interaction,
        count: app_commands.Range[int, 1, MAX_APPROVALS],
    ) -> None:
        channel_id = interaction.channel_id or 0
        draft = await self.store.channel_draft(channel_id)
        if draft is None or await self.store.review_state(draft.id) is None:
            await answer(interaction, "Run this in the thread of your draft: it sets how many "
                                      "approvals that draft needs.")
            return
        if draft.author_id != interaction.user.id:
            await answer(interaction, "Only the draft's author can ask for more approvals.")
            return
        async with self._lock(draft.id):
            await self.store.set_wanted_approvals(draft.id, count)
            found = await self._state(draft.id)
        assert found is not None
        required = found[3]
        note = "" if required == count else (
            f" The server asks for {required}, so that is what it needs.")
        await answer(interaction, f"Your draft needs **{required}** approval"
                                  f"{'s' if required != 1 else ''} from teammates.{note}")
        await self.refresh_card(draft.id)
        await self._announce_if_approved(draft.id)

    @review_settings.command(name="reviewers", description="Who may review drafts here")
    @app_commands.describe(
        role="Reviewers need this role (leave empty: any member who can read the channel)",
        days="Reviewers have been members for at least this many days (default 0)")
    async def reviewers(
        self, interaction: discord.Interaction, role: discord.Role | None = None,
        days: app_commands.Range[int, 0, MAX_MEMBER_DAYS] = 0,
    ) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        await self.store.set_reviewer_rule(
            guild_id, ReviewerRule(role.id if role is not None else None, days))
        who = f"members with the {role.mention} role" if role is not None else "any member"
        since = f" who joined at least {days} day{'s' if days != 1 else ''} ago" if days else ""
        await answer(interaction, f"Drafts here can be reviewed by {who}{since}, if they can "
                                  "read the drafts channel (never the author).")


    @review_settings.command(name="mentions",
                             description="Mention the people review messages concern")
    @app_commands.describe(on="Off: review messages name people without notifying them")
    async def mentions(self, interaction: discord.Interaction, on: bool) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        await self.store.set_mentions(guild_id, on)
        await answer(interaction, "Review messages now mention the author and the reviewers "
                                  "they concern (never roles or everyone)." if on else
                                  "Review messages now name people without notifying them.")

    @review_settings.command(name="approvals",
                             description="How many teammates must approve a draft")
    @app_commands.describe(count="Approvals needed (the author's own never counts)")
    async def approvals(
        self, interaction: discord.Interaction,
        count: app_commands.Range[int, 1, MAX_APPROVALS],
    ) -> None:
        guild_id = await managed_guild(interaction)
        if guild_id is None:
            return
        await self.store.set_review_approvals(guild_id, count)
        await answer(interaction, f"Drafts here now need **{count}** teammate approval"
                                  f"{'s' if count != 1 else ''} (never the author's own).")


async def setup(bot: CoachBot) -> None:
    await bot.add_cog(TeamReview(bot))
