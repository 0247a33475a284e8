"""Keeping credentials out of the logs.

The model's URL may carry a password (``https://user:pass@host``) or a key in its query
(``?api_key=…``), and a server's error body may echo the ``Authorization`` header it was
sent. Every log record passes :class:`Redactor` on its way out: the known secrets of the
settings, and anything shaped like a credential, become ``***``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

from bot.settings import Settings

MASK = "***"

#: Loggers of the HTTP clients under the model's SDK: at INFO they print every request's
#: full URL, at DEBUG its headers.
HTTP_LOGGERS = ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "hpack")

# What a credential looks like wherever it turns up: a URL's user:password, a query
# parameter named like a key, an Authorization value, an OpenAI-style key.
_URL_PASSWORD = re.compile(r"(?<=://)[^/\s:@]*:[^/\s@]*(?=@)")
_QUERY_SECRET = re.compile(
    r"(?i)([?&](?:api[-_]?key|key|token|access[-_]?token|secret|password|auth|sig)=)[^&\s#\"']+")
_AUTHORIZATION = re.compile(
    r"(?i)\b(bearer|basic)\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}")
_API_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{8,}")
#: Known secrets shorter than this are not hunted for: "abc" would mask half the log.
MIN_SECRET = 6


def settings_secrets(settings: Settings) -> list[str]:
    """The credentials in ``settings``: the API key, the Discord token, and the password
    and query values of the model's URL."""
    found = [settings.llm.api_key, settings.discord.token]
    if settings.llm.base_url:
        url = urlsplit(settings.llm.base_url)
        found += [url.password, url.username]
        found += [value for _, value in parse_qsl(url.query)]
    return sorted({s for s in found if s and len(s) >= MIN_SECRET}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every credential in it masked."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(MASK, text)
    text = _QUERY_SECRET.sub(rf"\1{MASK}", text)
    text = _AUTHORIZATION.sub(rf"\1 {MASK}", text)
    return _API_KEY.sub(f"sk-{MASK}", text)


class Redactor(logging.Filter):
    """A handler filter that masks credentials in every record it lets through, its
    traceback included."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it, as ever
            return True
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def guard_logs(settings: Settings) -> None:
    """Quiet the HTTP clients' loggers and mask credentials in everything the root
    logger's handlers write."""
    for name in HTTP_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    redactor = Redactor(settings_secrets(settings))
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
