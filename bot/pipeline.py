"""The critique pipeline shared by the CLI and the Discord cogs.

``assess`` is the rules layer: synchronous, instant, and what a first reply shows.
``rewrite`` adds the better version: from the model when one is configured and
answering, otherwise from the offline rewrite. It never raises for model trouble.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.errors import DraftError, DraftTooSlowError
from bot.models import Assessment, Critique, Rewrite
from bot.pacing import Pacer
from bot.text import lone_surrogate

if TYPE_CHECKING:
    from bot.coach import Coach, RuleOverrides
    from bot.llm.rewriter import LLMRewriter

log = logging.getLogger(__name__)

#: Called with the rewrite text so far while the model streams it.
PartialCallback = Callable[[str], Awaitable[None]]

#: What "Another version" gets without a model: the offline rewrite is the same each time.
NO_OTHER_VERSION = (
    "There is no other offline version: the offline rewrite applies the rules' own fixes, "
    "the same way each time. With a model configured, each version is written afresh."
)
#: Seconds one draft's rule checks may take in the bot before the member is told the
#: draft is too much to check (they take milliseconds for any draft Discord allows).
CHECK_BUDGET = 3.0
#: Worker threads for checks: more only contend for the GIL with the event loop; two, so
#: one draft past its budget (its check still running) does not hold up the rest.
CHECK_WORKERS = 2


def check_draft(text: str) -> str:
    """``text`` when the coach can critique it; otherwise a DraftError, in the same words
    whichever way the draft came in."""
    if not text.strip():
        raise DraftError("the draft is empty")
    bad = lone_surrogate(text)
    if bad is not None:
        raise DraftError(
            f"the draft is not valid Unicode: character {bad + 1} is a lone "
            "surrogate or a byte that is not UTF-8"
        )
    return text


class Pipeline:
    def __init__(
        self, coach: Coach, llm: LLMRewriter | None = None, *, check_budget: float = CHECK_BUDGET
    ) -> None:
        self.coach = coach
        self.llm = llm
        self.check_budget = check_budget
        # Idle workers cost nothing; the threads end with the process.
        self._workers = ThreadPoolExecutor(CHECK_WORKERS, thread_name_prefix="draft-checks")
        #: Shared by every caller that checks or rewrites drafts on the event loop
        #: (the model step's turns included: one queue for the loop's time).
        self.pacer = llm.pacer if llm is not None else Pacer()

    @property
    def uses_model(self) -> bool:
        return self.llm is not None

    def another_version_possible(self, offline: bool) -> bool:
        """Whether "Another version" can give anything new: only a model writes afresh."""
        return self.llm is not None and not offline

    def assess(
        self, text: str, platform: str, overrides: RuleOverrides | None = None
    ) -> Assessment:
        """Raises DraftTooLongError (one line for the user) for an over-long draft."""
        self.coach.check_size(text)
        return self.coach.assess(text, platform, overrides)

    async def assess_paced(
        self, text: str, platform: str, overrides: RuleOverrides | None = None
    ) -> Assessment:
        """:meth:`assess` in a worker thread, so no draft, however long or hostile, holds
        up the event loop (and everyone else's drafts and buttons with it).

        Raises :class:`DraftTooLongError` for a draft over the size cap, and
        :class:`DraftTooSlowError` past :attr:`check_budget` seconds.
        """
        self.coach.check_size(text)
        checking = asyncio.get_running_loop().run_in_executor(
            self._workers, self.coach.assess, text, platform, overrides)
        try:
            return await asyncio.wait_for(checking, self.check_budget)
        except TimeoutError:
            log.warning("checking a draft of %d characters took over %g s; gave up",
                        len(text), self.check_budget)
            raise DraftTooSlowError(self.check_budget) from None

    async def rewrite(
        self,
        assessment: Assessment,
        *,
        overrides: RuleOverrides | None = None,
        offline: bool = False,
        fresh: bool = False,
        tone: str = "",
        on_partial: PartialCallback | None = None,
    ) -> Rewrite:
        """A checked rewrite of ``assessment.text``.

        ``fresh`` asks for a new version rather than the cached one ("Another version");
        offline there is none, and the note says so.
        """
        if offline or self.llm is None:
            async with self.pacer.turn():
                rewrite = self.coach.offline_rewrite(assessment, overrides)
            return replace(rewrite, note=NO_OTHER_VERSION) if fresh else rewrite
        return await self.llm.rewrite(
            assessment, overrides=overrides, fresh=fresh, tone=tone, on_partial=on_partial
        )

    async def critique(
        self,
        text: str,
        platform: str,
        *,
        overrides: RuleOverrides | None = None,
        offline: bool = False,
        tone: str = "",
    ) -> Critique:
        assessment = self.assess(check_draft(text), platform, overrides)
        rewrite = await self.rewrite(assessment, overrides=overrides, offline=offline, tone=tone)
        return Critique(assessment, rewrite)
