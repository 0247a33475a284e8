"""Coaches that stand in for drafts that are slow or refused to check."""

from __future__ import annotations

import threading
import time
from typing import Any

from bot.coach import Coach
from bot.errors import DraftcoachError
from bot.models import Assessment

#: Drafts containing this are slow (or refused) to check.
HEAVY = "HEAVY-DRAFT"


class HeavyDraftsCoach:
    """The real coach, except that a draft containing :data:`HEAVY` takes ``seconds`` of
    CPU-bound work to check (a long hostile message), or, with ``refusal``, is refused
    the way the pipeline refuses a draft over its size cap."""

    def __init__(self, coach: Coach, *, seconds: float = 0.0, refusal: str = "") -> None:
        self._coach = coach
        self._seconds = seconds
        self._refusal = refusal
        #: Set when a heavy draft's check starts.
        self.started = threading.Event()
        #: ``time.monotonic()`` when each heavy draft's check finished.
        self.finished: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coach, name)

    def assess(self, text: str, *args: Any, **kwargs: Any) -> Assessment:
        if HEAVY in text:
            if self._refusal:
                raise DraftcoachError(self._refusal)
            self.started.set()
            # Busy, not asleep: holds the GIL as a slow pattern would.
            deadline = time.perf_counter() + self._seconds
            while time.perf_counter() < deadline:
                pass
            self.finished.append(time.monotonic())
        return self._coach.assess(text, *args, **kwargs)
