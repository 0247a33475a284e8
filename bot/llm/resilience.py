"""Keeping a slow or failing model from making users wait.

Which errors are worth another try, how long to wait before it (the server's
``Retry-After`` when it gives one), and a circuit breaker that stops calling a model
that keeps failing until a cool-down has passed.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable

import openai
from tenacity import RetryCallState
from tenacity.wait import wait_random_exponential

log = logging.getLogger(__name__)


class ModelUnavailable(Exception):
    """The model cannot answer now; the caller serves the offline rewrite."""


class BreakerOpen(ModelUnavailable):
    """The breaker is open: the model failed repeatedly and is resting."""


class ModelBusy(ModelUnavailable):
    """So many drafts wait for the model that this one could not be answered in time."""


class StreamBroken(ModelUnavailable):
    """A streamed answer stopped before the model said it was finished."""


def is_transient(exc: BaseException) -> bool:
    """Worth another try: time-outs, lost connections, rate limits, server errors.

    400/401/403/404 and other client errors are not: the same request fails again.
    """
    if isinstance(exc, BreakerOpen | ModelBusy):
        return False
    if isinstance(exc, StreamBroken | openai.APIConnectionError):  # includes time-outs
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    # An "error" event in the middle of a stream carries no status; the server had trouble.
    return type(exc) is openai.APIError


def retry_after_seconds(exc: BaseException, now: float | None = None) -> float | None:
    """What the server asked us to wait, from ``retry-after-ms`` or ``Retry-After``."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return max(0.0, parsed.timestamp() - now)


def backoff(initial: float, maximum: float) -> Callable[[RetryCallState], float]:
    """Exponential back-off with full jitter, or exactly what ``Retry-After`` asked for.

    A ``Retry-After`` longer than the time left is passed through as it is, so the stop
    condition (the deadline) ends the retries instead of sleeping past it.
    """
    jittered = wait_random_exponential(multiplier=initial, max=maximum)

    def wait(state: RetryCallState) -> float:
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        asked = retry_after_seconds(exc) if exc is not None else None
        return asked if asked is not None else jittered(state)

    return wait


class CircuitBreaker:
    """Counts consecutive failures; after ``threshold`` of them, rests ``cooldown`` seconds.

    After the rest one trial call goes through (half-open); its success closes the
    breaker, its failure opens it again for another cool-down.
    """

    def __init__(
        self, threshold: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._open_until: float | None = None
        self._trial_running = False

    @property
    def is_open(self) -> bool:
        return self._open_until is not None and self._clock() < self._open_until

    def before_call(self) -> None:
        """Raise :class:`BreakerOpen` when the model should not be called now."""
        if self._open_until is None:
            return
        if self._clock() < self._open_until or self._trial_running:
            raise BreakerOpen("the model failed repeatedly and is resting")
        self._trial_running = True

    def record_success(self) -> None:
        if self._open_until is not None:
            log.info("model answered again; closing the circuit breaker")
        self._failures = 0
        self._open_until = None
        self._trial_running = False

    def release_trial(self) -> None:
        """The call ended without saying anything about the model's health (a 400, say)."""
        self._trial_running = False

    def record_failure(self) -> None:
        self._failures += 1
        if self._trial_running or self._failures >= self.threshold:
            if not self.is_open:
                log.warning(
                    "model failed %d times in a row; not calling it for %.0f s",
                    self._failures, self.cooldown,
                )
            self._open_until = self._clock() + self.cooldown
        self._trial_running = False
