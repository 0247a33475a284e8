"""Keeping a failing model from making users wait: why a call was not made, and a
circuit breaker that stops calling a model that keeps failing until a cool-down passed.

Retries, back-off and ``Retry-After`` are the openai SDK's own (see ``create_llm_client``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class ModelUnavailable(Exception):
    """The model cannot answer now; the caller serves the offline rewrite."""


class BreakerOpen(ModelUnavailable):
    """The breaker is open: the model failed repeatedly and is resting."""


class ModelBusy(ModelUnavailable):
    """So many drafts wait for the model that this one could not be answered in time."""


class RateLimited(ModelUnavailable):
    """The server asked us to come back later than this draft can wait."""


class StreamBroken(ModelUnavailable):
    """A streamed answer stopped before the model said it was finished."""


class CircuitBreaker:
    """Counts consecutive failures; after ``threshold`` of them, rests ``cooldown`` seconds.

    Only the model's own trouble counts (server errors, lost connections, time-outs),
    never a rate limit. After the rest one trial call goes through (half-open); its
    success closes the breaker, its failure opens it again for another cool-down.
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
        """The call ended without saying anything about the model's health (a 429, say)."""
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
