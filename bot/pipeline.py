"""The critique pipeline shared by the CLI and the Discord cogs.

``assess`` is the rules layer: synchronous, instant, and what a first reply shows.
``rewrite`` adds the better version: from the model when one is configured and
answering, otherwise from the offline rewrite. It never raises for model trouble.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.errors import DraftError
from bot.models import Assessment, Critique, Rewrite
from bot.pacing import Pacer
from bot.text import lone_surrogate

if TYPE_CHECKING:
    from bot.coach import Coach, RuleOverrides
    from bot.llm.rewriter import LLMRewriter

log = logging.getLogger(__name__)

#: Called with the rewrite text so far while the model streams it.
PartialCallback = Callable[[str], Awaitable[None]]


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
    def __init__(self, coach: Coach, llm: LLMRewriter | None = None) -> None:
        self.coach = coach
        self.llm = llm
        #: Shared by every caller that checks or rewrites drafts on the event loop
        #: (the model step's turns included: one queue for the loop's time).
        self.pacer = llm.pacer if llm is not None else Pacer()

    @property
    def uses_model(self) -> bool:
        return self.llm is not None

    def assess(
        self, text: str, platform: str, overrides: RuleOverrides | None = None
    ) -> Assessment:
        """Raises DraftTooLongError (one line for the user) for an over-long draft."""
        self.coach.check_size(text)
        return self.coach.assess(text, platform, overrides)

    async def assess_paced(
        self, text: str, platform: str, overrides: RuleOverrides | None = None
    ) -> Assessment:
        """:meth:`assess` for a crowd: waits its turn so the event loop stays responsive."""
        self.coach.check_size(text)
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

        ``fresh`` asks for a new version rather than the cached one ("Another version").
        """
        if offline or self.llm is None:
            async with self.pacer.turn():
                return self.coach.offline_rewrite(assessment, overrides)
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
