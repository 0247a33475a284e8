"""Drafts channels: every message is a draft; the bot answers in a thread on it.

Needs the Message Content intent; without it the cog stays loaded but reads nothing,
and /critique and the context menu still work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import discord
from discord.ext import commands
from discord.ui import Item, View

from bot.discord.coaching import (
    NO_PINGS,
    Coaching,
    ServerContext,
    ShowCritique,
    cannot_coach,
    rewrite_file,
)
from bot.discord.cogs.critique import MODAL_MAX
from bot.discord.cooldown import cooldown_message
from bot.discord.locks import KeyedLocks
from bot.discord.peers import CoachBot, ReviewPeer, direct_peer, review_peer
from bot.discord.render import RenderedCritique, truncate
from bot.discord.store import Draft, NewDraft, text_digest
from bot.discord.views import critique_view, feedback_items
from bot.errors import DraftcoachError

log = logging.getLogger(__name__)

#: Longest draft read from a ``.txt`` attachment (what /critique's box takes).
ATTACHED_DRAFT_MAX = MODAL_MAX
TOO_LONG_FILE = (
    f"That file is longer than the {ATTACHED_DRAFT_MAX} characters I coach at once. "
    "Send a shorter draft, or the part you want looked at."
)
UNREADABLE_FILE = "I couldn't read that file as text (UTF-8). Paste the draft instead."


class AttachedDraft(NamedTuple):
    """The draft a message carries: its text, or why it cannot be coached."""

    text: str
    problem: str = ""


async def message_draft(message: discord.Message) -> AttachedDraft | None:
    """The draft in ``message``: its text, else its first ``.txt`` file; ``None`` if it
    has neither (a sticker, an image), which gets no answer at all."""
    if message.content.strip():
        return AttachedDraft(message.content)
    attachment = next((a for a in message.attachments
                       if a.filename.lower().endswith(".txt")), None)
    if attachment is None:
        return None
    # UTF-8 takes at most 4 bytes a character: a bigger file cannot fit the cap.
    if attachment.size > ATTACHED_DRAFT_MAX * 4:
        return AttachedDraft("", TOO_LONG_FILE)
    try:
        text = (await attachment.read()).decode("utf-8").removeprefix("\ufeff")
    except (discord.HTTPException, UnicodeDecodeError):
        return AttachedDraft("", UNREADABLE_FILE)
    if len(text) > ATTACHED_DRAFT_MAX:
        return AttachedDraft("", TOO_LONG_FILE)
    if not text.strip():
        return AttachedDraft("", "That file is empty. Paste the words of your draft.")
    return AttachedDraft(text)


#: Discord's error code for editing a message in an archived thread.
THREAD_ARCHIVED = 50083

#: Adds what other features show on a critique (the team review's status) to its embed.
Decorate = Callable[[discord.Embed], Awaitable[discord.Embed]]


async def undecorated(embed: discord.Embed) -> discord.Embed:
    return embed


def edits_of(
    message: discord.Message | discord.PartialMessage, decorate: Decorate = undecorated
) -> ShowCritique:
    """Shows each state of a critique by editing ``message``."""

    async def show(rendered: RenderedCritique) -> None:
        await message.edit(embed=await decorate(rendered.embed),
                           attachments=rewrite_file(rendered), allowed_mentions=NO_PINGS)

    return show


def thread_name(text: str) -> str:
    """A short thread title from the draft's first line, unable to mention anyone."""
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    safe = discord.utils.escape_mentions(first_line)
    return truncate(f"Coaching: {safe}" if safe else "Coaching", 100)


class DraftsChannels(commands.Cog):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot
        self.coaching: Coaching = bot.coaching
        # One critique at a time per draft, so quick successive edits apply in order.
        self._lock = KeyedLocks()
        #: Drafts left unanswered by an earlier run are looked for once, at the first ready.
        self._recovered = False
        #: Draft id -> its latest version, waiting for the author's cooldown to pass.
        self._waiting: dict[int, str] = {}
        self._timers: set[asyncio.Task[None]] = set()

    def _review(self) -> ReviewPeer | None:
        """The team review cog, when it is loaded."""
        return review_peer(self.bot)

    def _decorate(self, draft_id: int) -> Decorate:
        review = self._review()
        if review is None:
            return undecorated

        async def decorate(embed: discord.Embed) -> discord.Embed:
            decorated = await review.decorate(draft_id, embed)
            # The review's store read ends with those of a crowd of drafts; building
            # each edit request waits its turn rather than all in one turn of the loop.
            await self.coaching.pipeline.pacer.wait_turn()
            return decorated

        return decorate

    async def _extra_items(self, draft: Draft) -> list[Item[Any]]:
        review = self._review()
        items = [] if review is None else await review.buttons(draft.id)
        return [*items, *feedback_items(self.bot, draft.id, draft.guild_id)]

    def _direct(self, message: discord.Message) -> bool:
        """A member's message to the bot in DMs: critiqued like /critique."""
        return (message.guild is None and isinstance(message.channel, discord.DMChannel)
                and not message.author.bot)

    def _is_draft(self, message: discord.Message) -> bool:
        return (
            self.bot.intents.message_content
            and message.guild is not None
            and not message.author.bot
            and message.webhook_id is None
            and message.type in (discord.MessageType.default, discord.MessageType.reply)
            and message.channel.id in self.coaching.watched
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        # The one listener for messages: discord.py starts a task for each listener of
        # each message, and a busy server sends many.
        if isinstance(message.channel, discord.Thread):
            review = self._review()
            if review is not None:
                await review.thread_message(message)
            return
        if self._direct(message):
            direct = direct_peer(self.bot)
            if direct is not None:
                await direct.critique(message)
            return
        if not self._is_draft(message):
            return
        found = await message_draft(message)
        if found is None:
            # Nothing to coach (an image, a sticker): no thread, no noise.
            return
        async with self.coaching.first_answer_turn() as answered:
            assert message.guild is not None
            text = found.text
            context = await self.coaching.context(message.guild.id)
            draft = await self.coaching.store.claim_channel_draft(NewDraft(
                origin="channel", guild_id=message.guild.id, channel_id=message.channel.id,
                message_id=message.id, author_id=message.author.id,
                requester_id=message.author.id, platform=context.platform, text=text,
            ))
            if draft is None:
                log.debug("message %d already critiqued; ignoring the repeat", message.id)
                return
            if found.problem:
                await self._send_reply(message, draft, content=found.problem)
                return
            if (too_long := self.coaching.too_long(text)) is not None:
                await self._send_reply(message, draft, content=too_long)
                return
            wait = self.coaching.cooldowns.retry_after(message.author.id)
            if wait is not None:
                await self._send_reply(message, draft, content=cooldown_message(wait))
                return
            await self._answer(message, draft, text, context, answered)

    async def _answer(
        self, message: discord.Message, draft: Draft, text: str, context: ServerContext,
        answered: Callable[[], None],
    ) -> None:
        """Critique a claimed draft in a thread on its message, then stream the rewrite."""
        async with self._lock(draft.id):
            try:
                assessment = await self.coaching.assess_paced(text, context)
            except DraftcoachError as exc:
                await self._send_reply(message, draft, content=cannot_coach(exc))
                return
            await self.coaching.record(draft.id, assessment)
            review = self._review()
            if review is not None:
                await review.critiqued(draft, assessment, previous=None)
            news = await self.coaching.house_style_news(draft.guild_id)
            async with self.coaching.pipeline.pacer.turn():
                rendered = self.coaching.render(assessment, byline=news)
            reply = await self._send_reply(message, draft, rendered=rendered, title=text)
            answered()
            if reply is not None:
                await self.coaching.stream_rewrite(
                    draft.id, assessment, context, edits_of(reply, self._decorate(draft.id)),
                    byline=news,
                )

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._recovered:
            return
        self._recovered = True
        await self.answer_unanswered()

    async def answer_unanswered(self) -> None:
        """Critique drafts claimed before this start that never got an answer (the bot
        stopped in between): every draft gets a reply."""
        for draft in await self.coaching.store.unanswered_channel_drafts(
                before=self.coaching.started_at):
            channel = self.bot.get_channel(draft.channel_id)
            if not isinstance(channel, discord.TextChannel) or draft.message_id is None:
                continue
            try:
                message = await channel.fetch_message(draft.message_id)
            except discord.NotFound:
                # Deleted while the bot was away: nothing left to answer.
                await self.coaching.store.dismiss(draft.id)
                continue
            except discord.HTTPException as exc:
                log.warning("could not read unanswered draft %d: %s", draft.id, exc)
                continue
            log.info("answering draft %d, left unanswered when the bot stopped", draft.id)
            found = await message_draft(message)
            if found is None:
                # Emptied while the bot was away: like an image, it gets no answer.
                await self.coaching.store.dismiss(draft.id)
                continue
            if found.problem:
                await self._send_reply(message, draft, content=found.problem)
                continue
            if found.text != draft.text:
                await self.coaching.store.update_text(draft.id, found.text, draft.platform)
            context = await self.coaching.draft_context(draft)
            await self._answer(message, draft, found.text, context, lambda: None)

    async def _send_reply(
        self,
        message: discord.Message,
        draft: Draft,
        *,
        rendered: RenderedCritique | None = None,
        content: str | None = None,
        title: str | None = None,
        thread: bool = True,
    ) -> discord.Message | None:
        """Answer in a thread on the draft, or as a reply where threads are not allowed
        (or ``thread`` is false: the draft's thread exists but is closed to the bot)."""
        embeds = [await self._decorate(draft.id)(rendered.embed)] if rendered is not None else []
        extra = [] if rendered is None else await self._extra_items(draft)
        # Building the view and the requests is work a crowd of drafts would otherwise
        # do all in one turn of the loop (their store reads finish together).
        await self.coaching.pipeline.pacer.wait_turn()
        # Text-only answers (no text to coach, cooldown) get no buttons.
        view = View(timeout=None) if rendered is None else critique_view(
            draft.id, private=False, extra=extra)
        reply: discord.Message | None = None
        if thread and isinstance(message.channel, discord.TextChannel):
            try:
                opened = await message.create_thread(
                    name=thread_name(title or message.content), auto_archive_duration=1440
                )
                reply = await opened.send(content, embeds=embeds, view=view,
                                          allowed_mentions=NO_PINGS)
            except discord.HTTPException as exc:
                log.info("no thread on draft %d (%s); replying instead", message.id, exc)
        if reply is None:
            try:
                reply = await message.reply(content, embeds=embeds, view=view,
                                            mention_author=False, allowed_mentions=NO_PINGS)
            except discord.HTTPException:
                log.exception("could not answer draft %d in channel %d",
                              message.id, message.channel.id)
                return None
        await self.coaching.store.set_reply(draft.id, reply.channel.id, reply.id)
        return reply

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if (not self.bot.intents.message_content or payload.channel_id not in self.coaching.watched
                or "content" not in payload.data):
            return
        author = payload.data.get("author") or {}
        if author.get("bot"):
            return
        draft = await self.coaching.store.channel_draft(payload.message_id)
        if draft is None or draft.dismissed:
            return
        await self.revise(draft.id, str(payload.data.get("content") or ""))

    async def revise(self, draft_id: int, text: str, *, adopted: bool = False) -> None:
        """Critique a new version of a draft (its message edited, posted in its thread, or
        its rewrite adopted by the author: ``adopted``, always a new revision).

        A new version costs the author a critique like a new draft does (adopting a
        rewrite has paid already); past their cooldown, the latest version waits and is
        critiqued once the wait is over.
        """
        async with self._lock(draft_id):
            # Re-read under the lock: a repeated event for the same edit changes nothing.
            current = await self.coaching.store.draft(draft_id)
            if current is None or current.text_hash == text_digest(text) or not text.strip():
                return
            wait = None if adopted else self.coaching.cooldowns.retry_after(current.author_id)
            if wait is not None:
                self._revise_later(draft_id, text, wait)
                return
            self._waiting.pop(draft_id, None)
            await self._recritique(current, text, adopted=adopted)

    def _revise_later(self, draft_id: int, text: str, wait: float) -> None:
        """Keep ``text`` as the draft's version to critique after ``wait`` seconds; later
        versions replace it, so a burst of edits costs one critique."""
        already_waiting = draft_id in self._waiting
        self._waiting[draft_id] = text
        if not already_waiting:
            task = asyncio.create_task(self._revise_after(draft_id, wait))
            self._timers.add(task)
            task.add_done_callback(self._timers.discard)

    async def _revise_after(self, draft_id: int, wait: float) -> None:
        await asyncio.sleep(wait)
        text = self._waiting.pop(draft_id, None)
        if text is None:
            return
        try:
            await self.revise(draft_id, text)
        except Exception:
            log.exception("could not critique the waiting version of draft %d", draft_id)

    async def cog_unload(self) -> None:
        for task in self._timers:
            task.cancel()

    async def _recritique(self, draft: Draft, text: str, *, adopted: bool = False) -> None:
        context = await self.coaching.draft_context(draft)
        try:
            assessment = await self.coaching.reassess(draft, text, context)
        except DraftcoachError as exc:
            # The card keeps showing the last version that could be checked.
            await self._note_beside(draft, cannot_coach(exc))
            return
        # The card must be editable before the revision is recorded: reviewers see every
        # revision there (or on a fresh card, below).
        reply: discord.Message | discord.PartialMessage | None = await self.existing_reply(draft)
        if reply is not None and not await self._reopen_thread(reply.channel):
            reply = None
        await self.coaching.store.update_text(draft.id, text, context.platform)
        await self.coaching.record(draft.id, assessment)
        review = self._review()
        if review is not None:
            await review.critiqued(draft, assessment, previous=draft, adopted=adopted)
        first = self.coaching.render(assessment, previous_score=draft.score)
        decorate = self._decorate(draft.id)
        if reply is not None:
            card = reply

            async def show_revision() -> None:
                # content=None clears an earlier text-only answer (cooldown, no text).
                await card.edit(content=None, embed=await decorate(first.embed), attachments=[],
                                allowed_mentions=NO_PINGS,
                                view=critique_view(draft.id, private=False,
                                                   extra=await self._extra_items(draft)))

            if not await self._edit_in_open_thread(card, show_revision):
                reply = None
        if reply is None:
            # The old answer is gone: answer the edited draft afresh.
            channel = self.bot.get_channel(draft.channel_id)
            if (not isinstance(channel, discord.TextChannel | discord.Thread)
                    or draft.message_id is None):
                return
            message = await channel.fetch_message(draft.message_id)
            # Its thread, if it has one, is gone or closed: answer in the channel.
            reply = await self._send_reply(message, draft, rendered=first, thread=False)
            if reply is None:
                return
        await self.coaching.stream_rewrite(
            draft.id, assessment, context, edits_of(reply, decorate), previous_score=draft.score
        )

    async def _reopen_thread(self, channel: object) -> bool:
        """Unarchive the draft's thread if Discord archived it (a day without activity), so
        its card can be edited; ``False`` if it stays archived (locked, say)."""
        if not isinstance(channel, discord.Thread) or not channel.archived:
            return True
        if channel.locked and not channel.permissions_for(channel.guild.me).manage_threads:
            return False  # only moderators reopen a locked thread
        try:
            await channel.edit(archived=False)
        except discord.HTTPException as exc:
            log.info("cannot reopen thread %d (%s); answering afresh", channel.id, exc)
            return False
        return True

    async def _edit_in_open_thread(
        self, card: discord.Message | discord.PartialMessage,
        edit: Callable[[], Awaitable[None]],
    ) -> bool:
        """Run ``edit`` on the card; if its thread turns out archived (the bot's view of it
        was out of date), reopen it and try once more. ``False`` when the card is gone or
        cannot be edited."""
        try:
            await edit()
            return True
        except discord.NotFound:
            return False
        except discord.HTTPException as exc:
            if exc.code != THREAD_ARCHIVED:
                raise
        try:
            thread = await self.bot.fetch_channel(card.channel.id)
        except discord.HTTPException:
            return False
        if not await self._reopen_thread(thread):
            return False
        try:
            await edit()
        except discord.HTTPException as exc:
            log.info("could not revise the card in thread %d: %s", thread.id, exc)
            return False
        return True

    async def _note_beside(self, draft: Draft, content: str) -> None:
        """A short note next to the draft's critique (in its thread)."""
        reply = await self.existing_reply(draft)
        if reply is None:
            return
        try:
            await reply.channel.send(content, allowed_mentions=NO_PINGS)
        except discord.HTTPException as exc:
            log.warning("could not leave a note on draft %d: %s", draft.id, exc)

    async def existing_reply(self, draft: Draft) -> discord.PartialMessage | None:
        if draft.reply_channel_id is None or draft.reply_message_id is None:
            return None
        channel = self.bot.get_channel(draft.reply_channel_id)
        if channel is None:
            try:
                channel = await self.bot.fetch_channel(draft.reply_channel_id)
            except discord.HTTPException:
                return None
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            return None
        return channel.get_partial_message(draft.reply_message_id)


async def setup(bot: CoachBot) -> None:
    await bot.add_cog(DraftsChannels(bot))
