"""Which failures are retried, how long to wait, and when to stop calling the model."""

from __future__ import annotations

import email.utils

import httpx2
import openai
import pytest

from bot.llm.resilience import (
    BreakerOpen,
    CircuitBreaker,
    StreamBroken,
    is_transient,
    retry_after_seconds,
)

REQUEST = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")


def status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    response = httpx2.Response(status, headers=headers or {}, request=REQUEST)
    return openai.APIStatusError("boom", response=response, body=None)


@pytest.mark.parametrize(("exc", "retried"), [
    (openai.APITimeoutError(REQUEST), True),
    (openai.APIConnectionError(request=REQUEST), True),
    (StreamBroken("cut"), True),
    (status_error(429), True),
    (status_error(500), True),
    (status_error(503), True),
    (status_error(400), False),
    (status_error(401), False),
    (status_error(403), False),
    (status_error(404), False),
    (BreakerOpen("resting"), False),
    (ValueError("bug"), False),
])
def test_what_is_retried(exc: BaseException, retried: bool) -> None:
    assert is_transient(exc) is retried


def test_retry_after_in_seconds_milliseconds_or_a_date() -> None:
    assert retry_after_seconds(status_error(429, {"Retry-After": "2"})) == 2.0
    assert retry_after_seconds(status_error(429, {"retry-after-ms": "250"})) == 0.25
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 5, usegmt=True)
    assert retry_after_seconds(status_error(429, {"Retry-After": date}), now=now) == 5.0
    assert retry_after_seconds(status_error(429)) is None
    assert retry_after_seconds(status_error(429, {"Retry-After": "soon"})) is None


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_threshold_and_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cooldown=10, clock=clock)
    for _ in range(2):
        breaker.before_call()
        breaker.record_failure()
    breaker.before_call()
    breaker.record_success()  # a success resets the count
    for _ in range(3):
        breaker.before_call()
        breaker.record_failure()
    assert breaker.is_open
    with pytest.raises(BreakerOpen):
        breaker.before_call()

    clock.now = 10.5
    breaker.before_call()  # the trial call
    with pytest.raises(BreakerOpen):
        breaker.before_call()  # only one at a time
    breaker.record_failure()
    assert breaker.is_open  # failed trial: another cool-down
    clock.now = 21
    breaker.before_call()
    breaker.record_success()
    assert not breaker.is_open
    breaker.before_call()


def test_trial_that_says_nothing_about_health_frees_the_next_trial() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=1, cooldown=1, clock=clock)
    breaker.before_call()
    breaker.record_failure()
    clock.now = 2
    breaker.before_call()
    breaker.release_trial()
    breaker.before_call()
