"""Per-member rate limit on critiques, shared by every way of asking for one."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

#: Above this many tracked members, forget the ones whose window has passed.
_PRUNE_AT = 10_000


@dataclass(slots=True)
class _Window:
    start: float
    used: int


class Cooldowns:
    """``rate`` critiques per ``per`` seconds for each member, across channels and commands.

    A limited member gets a polite answer with the wait instead of a queue that
    grows forever.
    """

    def __init__(
        self, rate: int, per: float, clock: Callable[[], float] | None = None
    ) -> None:
        self.rate = rate
        self.per = per
        self._clock = clock
        self._windows: dict[int, _Window] = {}

    def _now(self) -> float:
        # Looked up per call rather than bound once, so a patched clock (tests) is honoured.
        return self._clock() if self._clock is not None else time.monotonic()

    def retry_after(self, user_id: int) -> float | None:
        """Spend one critique for ``user_id``; seconds to wait if they have none left."""
        if self.rate <= 0:
            return None
        now = self._now()
        if len(self._windows) > _PRUNE_AT:
            self._windows = {k: w for k, w in self._windows.items() if now < w.start + self.per}
        window = self._windows.get(user_id)
        if window is None or now >= window.start + self.per:
            window = self._windows[user_id] = _Window(now, 0)
        if window.used >= self.rate:
            return window.start + self.per - now
        window.used += 1
        return None


def cooldown_message(retry_after: float) -> str:
    seconds = max(1, round(retry_after))
    wait = f"{seconds} seconds" if seconds != 1 else "1 second"
    return (
        f"You're sending drafts faster than I can coach them well. "
        f"Take a breath and try again in {wait}."
    )
