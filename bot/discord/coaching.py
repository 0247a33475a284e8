"""The critique flow shared by the cogs and the buttons.

Every entry point (a watched channel, /critique, the context menu, "Another
version") does the same thing: assess the draft with the server's settings, show
the findings at once, then let the rewrite stream into the same message through
throttled edits. This module owns that flow so the cogs stay thin.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import cast

import discord

from bot.coach import Coach, RuleOverrides
from bot.discord.cooldown import Cooldowns
from bot.discord.render import CritiqueCard, RenderedCritique, render_critique
from bot.discord.store import Draft, Store
from bot.errors import DraftcoachError, DraftTooLongError
from bot.models import Assessment, Rewrite, Severity
from bot.pipeline import Pipeline
from bot.settings import Settings

log = logging.getLogger(__name__)

#: Every message the bot sends, unless it notifies the people it names (see
#: :func:`pinging`): quoted draft text must never ping anyone.
NO_PINGS = discord.AllowedMentions.none()

#: How many drafts from a drafts channel are on their way to a first answer at once.
#: Each one's steps are short; a crowd of them waking together is one long turn of
#: the event loop, which nothing else (heartbeats, buttons) gets into.
FIRST_ANSWERS_AT_ONCE = 6

#: Shows one state of a critique message (findings, a partial rewrite, the final one).
ShowCritique = Callable[[RenderedCritique], Awaitable[None]]


def pinging(user_ids: Iterable[int]) -> discord.AllowedMentions:
    """Mentions that notify exactly these members: never roles, ``@everyone`` or ``@here``."""
    ids = sorted(set(user_ids))
    if not ids:
        return NO_PINGS
    return discord.AllowedMentions(everyone=False, roles=False, replied_user=False,
                                   users=[discord.Object(id=i) for i in ids])


def budget_spent_note(period: str) -> str:
    return (f"This server's model budget for the {period} is spent, so this is the offline "
            "rewrite; the model is back when the budget renews.")


DIRECT_BUDGET_SPENT = ("Your model budget for direct messages is spent for today, so this is "
                       "the offline rewrite; the model is back tomorrow (UTC).")


@dataclass(frozen=True, slots=True)
class ServerContext:
    """The settings that shape a critique in one server (or in DMs)."""

    platform: str
    overrides: RuleOverrides
    offline: bool
    guild_id: int | None = None
    #: Why the rewrite is offline when the server asked for the model (its budget is spent).
    offline_note: str = ""
    #: Outside a server: the member whose daily budget for direct messages the model's
    #: tokens count against.
    member_id: int | None = None


def rewrite_file(rendered: RenderedCritique) -> list[discord.File]:
    """The full rewrite as a text file when the embed only had room for part of it."""
    if rendered.full_rewrite is None:
        return []
    data = io.BytesIO(rendered.full_rewrite.encode("utf-8"))
    return [discord.File(data, filename="rewrite.txt")]


class Coaching:
    """Critiques drafts for the bot: settings, cooldowns, rendering and streaming."""

    def __init__(self, settings: Settings, pipeline: Pipeline, store: Store) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.store = store
        self.cooldowns = Cooldowns(
            settings.discord.cooldown_rate, settings.discord.cooldown_seconds
        )
        #: Watched channel ids, mirrored from the store so most messages cost no query.
        self.watched: set[int] = set()
        #: Drafts whose rewrite is being written now, so a second press does not race.
        self.writing: set[int] = set()
        #: The tasks writing those rewrites, so shutting down can let them finish.
        self._writers: set[asyncio.Task[object]] = set()
        self._first_answers = asyncio.Semaphore(FIRST_ANSWERS_AT_ONCE)
        #: Drafts claimed before this moment belong to an earlier run of the bot.
        self.started_at = time.time()

    @property
    def coach(self) -> Coach:
        return self.pipeline.coach

    async def load(self) -> None:
        self.watched = set(await self.store.all_watched_channels())

    @asynccontextmanager
    async def first_answer_turn(self) -> AsyncIterator[Callable[[], None]]:
        """A place among the drafts on their way to a first answer (see
        :data:`FIRST_ANSWERS_AT_ONCE`); the rest of a crowd waits its turn at one
        semaphore. Call what it yields to give the place up once the answer is out."""
        await self._first_answers.acquire()
        held = True

        def leave() -> None:
            nonlocal held
            if held:
                held = False
                self._first_answers.release()

        try:
            yield leave
        finally:
            leave()

    # -------------------------------------------------------------- settings

    def _known_platform(self, *candidates: str | None) -> str:
        """The first candidate the coach knows; a config change may have removed one."""
        for candidate in candidates:
            if candidate and candidate in self.coach.platforms:
                return candidate
        return "generic" if "generic" in self.coach.platforms else self.coach.platform_ids[0]

    async def context(
        self, guild_id: int | None, platform: str | None = None, *, member_id: int | None = None
    ) -> ServerContext:
        """The platform, rule overrides and model switch for a critique in this server, or
        (``guild_id`` ``None``) for ``member_id``'s critique in direct messages."""
        default = self.settings.default_platform
        if guild_id is None:
            return await self._direct_context(self._known_platform(platform, default), member_id)
        server = await self.store.guild_settings(guild_id)
        overrides = await self.store.rule_overrides(guild_id)
        # Rules the team demoted, unless an admin set the rule's severity themselves.
        severity = {d.rule_id: cast("Severity", d.severity)
                    for d in await self.store.rule_demotions(guild_id)}
        # Stored only through /coach-admin rules severity, whose choices are severities.
        severity.update({o.rule_id: cast("Severity", o.severity)
                         for o in overrides if o.severity})
        offline_note = ""
        if server.llm_enabled and server.token_budget is not None:
            used = await self.store.model_usage(guild_id, server.budget_period)
            if used >= server.token_budget:
                offline_note = budget_spent_note(server.budget_period)
        return ServerContext(
            platform=self._known_platform(platform, server.platform, default),
            overrides=RuleOverrides(
                disabled=frozenset(o.rule_id for o in overrides if o.disabled),
                severity=severity,
            ),
            offline=not server.llm_enabled or bool(offline_note),
            guild_id=guild_id,
            offline_note=offline_note,
        )

    async def draft_context(self, draft: Draft, *, member_id: int | None = None) -> ServerContext:
        """The settings a stored draft is critiqued again with: its server's rules and model
        switch as they are now, and the platform the draft was first critiqued for (an
        admin changing the server's platform changes new drafts, not this one)."""
        return await self.context(draft.guild_id, draft.platform, member_id=member_id)

    async def _direct_context(self, platform: str, member_id: int | None) -> ServerContext:
        """Direct messages belong to no server's budget: the model writes their rewrites
        while the member's daily one for them lasts."""
        budget = self.settings.discord.dm_token_budget
        if member_id is None or budget == 0:
            return ServerContext(platform, RuleOverrides(), offline=True)
        spent = await self.store.direct_model_usage(member_id) >= budget
        return ServerContext(platform, RuleOverrides(), offline=spent, member_id=member_id,
                             offline_note=DIRECT_BUDGET_SPENT if spent else "")

    async def house_style_news(self, guild_id: int | None) -> str:
        """Rules the team demoted since the server's last critique, said once (a footer)."""
        if guild_id is None:
            return ""
        # The demotions are kept in memory: most drafts find nothing new without a write.
        if all(d.announced for d in await self.store.rule_demotions(guild_id)):
            return ""
        news = await self.store.claim_demotion_news(guild_id)
        if not news:
            return ""
        rules = ", ".join(f"{d.rule_id} now a {d.severity}" for d in news)
        return f"House style: {rules} (the team found it unhelpful)"

    def platform_name(self, platform: str) -> str:
        known = self.coach.platforms.get(platform)
        return known.name if known is not None else platform

    # ------------------------------------------------------------- critiques

    def too_long(self, text: str) -> str | None:
        """The one line a draft over ``max_draft_chars`` gets instead of a critique."""
        try:
            self.coach.check_size(text)
        except DraftTooLongError as exc:
            return cannot_coach(exc)
        return None

    def assess(self, text: str, context: ServerContext) -> Assessment:
        return self.pipeline.assess(text, context.platform, context.overrides)

    async def assess_paced(self, text: str, context: ServerContext) -> Assessment:
        """The draft's findings with the server's settings, checked off the event loop
        (see :meth:`Pipeline.assess_paced`: it raises DraftcoachError for a draft it
        refuses)."""
        return await self.pipeline.assess_paced(text, context.platform, context.overrides)

    async def reassess(
        self, draft: Draft, text: str, context: ServerContext | None = None
    ) -> Assessment:
        """The findings on a stored draft's ``text`` (the text kept, or a new version of it)
        with :meth:`draft_context`, or ``context`` when the caller has it already. Raises
        DraftcoachError for a draft the pipeline refuses (see :meth:`assess_paced`)."""
        return await self.assess_paced(text, context or await self.draft_context(draft))

    def render(
        self,
        assessment: Assessment,
        *,
        rewrite: Rewrite | None = None,
        partial: str = "",
        previous_score: int | None = None,
        byline: str = "",
        extra_fields: tuple[tuple[str, str], ...] = (),
    ) -> RenderedCritique:
        card = CritiqueCard(
            assessment=assessment,
            platform_name=self.platform_name(assessment.platform),
            rewrite=rewrite,
            partial=partial,
            previous_score=previous_score,
            byline=byline,
            extra_fields=extra_fields,
        )
        return render_critique(card, self.coach.principles)

    async def record(self, draft_id: int, assessment: Assessment) -> None:
        await self.store.record_result(
            draft_id,
            score=assessment.score,
            verdict=assessment.verdict,
            principles=[f.principle for f in assessment.findings],
        )

    async def stream_rewrite(
        self,
        draft_id: int,
        assessment: Assessment,
        context: ServerContext,
        show: ShowCritique,
        *,
        fresh: bool = False,
        previous_score: int | None = None,
        byline: str = "",
    ) -> Rewrite:
        """Write the rewrite into the critique message, growing as the model streams it.

        ``show`` has already displayed the findings; it is called again (no more
        often than ``discord.edit_interval``) with the rewrite so far, then with the
        finished rewrite. The user always ends with a rewrite: the offline one if
        the model fails in any way.
        """
        interval = self.settings.discord.edit_interval
        last_shown = time.monotonic()
        broken = False

        def render(rewrite: Rewrite | None = None, partial: str = "") -> RenderedCritique:
            return self.render(assessment, rewrite=rewrite, partial=partial,
                               previous_score=previous_score, byline=byline)

        async def on_partial(text_so_far: str) -> None:
            nonlocal last_shown, broken
            now = time.monotonic()
            if broken or now - last_shown < interval:
                return
            last_shown = now
            try:
                await show(render(partial=text_so_far))
            except discord.HTTPException as exc:
                # The message went away or Discord refused the edit: stop streaming
                # into it; the final edit below tries once more.
                broken = True
                log.warning("could not show the rewrite as it streams: %s", exc)

        self.writing.add(draft_id)
        writer = asyncio.current_task()
        if writer is not None:
            self._writers.add(writer)
        try:
            try:
                rewrite = await self.pipeline.rewrite(
                    assessment,
                    overrides=context.overrides,
                    offline=context.offline,
                    fresh=fresh,
                    tone=self.settings.tone,
                    on_partial=on_partial,
                )
            except Exception:
                log.exception("the rewrite step failed; serving the offline rewrite")
                rewrite = await self.pipeline.rewrite(
                    assessment, overrides=context.overrides, offline=True
                )
            if context.offline_note and rewrite.source != "llm":
                rewrite = replace(rewrite, note=context.offline_note)
            await self._keep(draft_id, context, rewrite)
            async with self.pipeline.pacer.turn():
                final = render(rewrite=rewrite)
            try:
                await show(final)
            except discord.NotFound:
                log.info("the critique of draft %d was deleted before its rewrite arrived",
                         draft_id)
            except discord.HTTPException as exc:
                log.warning("could not show the rewrite of draft %d: %s", draft_id, exc)
            return rewrite
        finally:
            self.writing.discard(draft_id)
            if writer is not None:
                self._writers.discard(writer)

    async def _keep(self, draft_id: int, context: ServerContext, rewrite: Rewrite) -> None:
        """Store the rewrite (the author may adopt it) and count its tokens for the server,
        or for the member in direct messages."""
        try:
            await self.store.set_rewrite(draft_id, rewrite.text, guild_id=context.guild_id,
                                         member_id=context.member_id,
                                         tokens=rewrite.usage.total_tokens)
        except Exception:
            # The rewrite still reaches the user; only adopting it or the count suffers.
            log.exception("could not store the rewrite of draft %d", draft_id)

    async def finish_writing(self, grace: float) -> None:
        """Let rewrites being written finish for up to ``grace`` seconds, then stop them.

        Called on shutdown while Discord is still reachable, so a rewrite either
        arrives or stops cleanly instead of failing against a closed connection.
        """
        current = asyncio.current_task()
        writers = {task for task in self._writers if task is not current and not task.done()}
        if not writers:
            return
        log.info("letting %d rewrites finish before shutting down", len(writers))
        _, late = await asyncio.wait(writers, timeout=grace)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)


def cannot_coach(error: DraftcoachError) -> str:
    """The one line a member gets for a draft the pipeline refuses (too long, too slow)."""
    return f"I can't check this one: {error}."


async def respond_or_followup(
    interaction: discord.Interaction, content: str, *, ephemeral: bool = True
) -> None:
    """A short text answer to an interaction, whether or not it was acknowledged yet."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=ephemeral, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(
            content, ephemeral=ephemeral, allowed_mentions=NO_PINGS
        )
