"""Per-channel rate limits the way Discord reports them, for tests that want them.

Discord meters writes per route and channel ("5 messages per 5 seconds" is the
documented one), says where a bucket stands in ``X-RateLimit-*`` headers, and answers
a request over the limit with 429 and ``retry_after``. discord.py paces itself by those
headers and sleeps out a 429; without them it sends one request per bucket at a time.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Window:
    resets_at: float
    remaining: int


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]
    retry_after: float


@dataclass(slots=True)
class RateLimits:
    limit: int
    per: float  # seconds
    _windows: dict[str, _Window] = field(default_factory=dict)

    def check(self, route: str, channel: str) -> Verdict:
        """Count one request to ``route`` in ``channel``: may it go ahead; the headers."""
        bucket = f"{route}:{channel}"
        now = time.monotonic()
        window = self._windows.get(bucket)
        if window is None or now >= window.resets_at:
            window = self._windows[bucket] = _Window(now + self.per, self.limit)
        allowed = window.remaining > 0
        if allowed:
            window.remaining -= 1
        reset_after = max(0.0, window.resets_at - now)
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(window.remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(route.encode()).hexdigest()[:16],
        }
        if not allowed:
            # discord.py treats a 429 without "Via" as a Cloudflare ban, as live Discord's has it.
            headers |= {"X-RateLimit-Scope": "user", "Via": "1.1 google"}
        return Verdict(allowed, headers, reset_after)
