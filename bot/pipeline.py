"""The critique pipeline shared by the CLI and the Discord cogs.

``assess`` is the rules layer: synchronous, instant, and what a first reply shows.
``rewrite`` adds the better version: from the model when one is configured and
answering, otherwise from the offline rewrite. It never raises for model trouble.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from bot.models import Assessment, Critique, Rewrite
from bot.pacing import Pacer
from bot.rewrite import language_of

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


class Pipeline:
    def __init__(self, coach: Coach, llm: LLMRewriter | None = None) -> None:
        self.coach = coach
        self.llm = llm
        #: Shared by every caller that checks or rewrites drafts on the event loop
        #: (the model step's turns included: one queue for the loop's time).
        self.pacer = llm.pacer if llm is not None else Pacer()
        # The offline rewrite's language model loads on first use: now, not in a draft's turn.
        language_of("Loading the language model at start-up.")

    @property
    def uses_model(self) -> bool:
        return self.llm is not None

    def another_version_possible(self, offline: bool) -> bool:
        """Whether "Another version" can give anything new: only a model writes afresh."""
        return self.llm is not None and not offline

    def assess(
        self, text: str, platform: str, overrides: RuleOverrides | None = None
    ) -> Assessment:
        return self.coach.assess(text, platform, overrides)

    async def assess_paced(
        self, text: str, platform: str, overrides: RuleOverrides | None = None
    ) -> Assessment:
        """:meth:`assess` for a crowd: waits its turn so the event loop stays responsive."""
        async with self.pacer.turn():
            return self.coach.assess(text, platform, overrides)

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
        assessment = self.assess(text, platform, overrides)
        rewrite = await self.rewrite(assessment, overrides=overrides, offline=offline, tone=tone)
        return Critique(assessment, rewrite)
