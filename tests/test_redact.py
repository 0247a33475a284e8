from __future__ import annotations

import io
import logging

import pytest

from bot.redact import Redactor, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("POST https://bot:s3cret-pass@llm.example/v1/chat", "POST https://***@llm.example/v1/chat"),
        ("GET http://h/v1?api_key=abc123&model=x", "GET http://h/v1?api_key=***&model=x"),
        ("GET http://h/v1?x=1&token=zzz#top", "GET http://h/v1?x=1&token=***#top"),
        ('{"detail": "Bearer sk-proj-1234abcdXYZ rejected"}', '{"detail": "Bearer *** rejected"}'),
        ("key sk-abcdefgh12345678 is not valid", "key sk-*** is not valid"),
    ],
)
def test_credentials_are_masked_wherever_they_turn_up(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    ["the basic settings are fine", "see https://example.com:8080/path?page=2",
     "Bearer of bad news", "mail me at someone@example.com"],
)
def test_ordinary_log_lines_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_known_secrets_are_masked_in_messages_and_tracebacks() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(Redactor(["plain-password-42"]))
    log = logging.getLogger("tests.redact")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("connecting with %s", "plain-password-42")
        try:
            raise ValueError("refused: plain-password-42")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    assert "plain-password-42" not in out.getvalue()
    assert "connecting with ***" in out.getvalue()
    assert "ValueError: refused: ***" in out.getvalue()
