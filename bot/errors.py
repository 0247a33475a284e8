"""Errors the user can act on; the CLI and the bot print them as one line."""

from __future__ import annotations


class DraftcoachError(Exception):
    """Base class for errors with a message meant for the user."""


class ConfigError(DraftcoachError):
    """A config file, setting or rule is wrong; the message names the file and key."""


class DraftTooLongError(DraftcoachError):
    """A draft over the size the coach checks (``max_draft_chars``)."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the draft has {length:,} characters; drafts are checked up to "
                         f"{limit:,} (max_draft_chars)")
        self.length = length
        self.limit = limit


class UnknownPlatformError(DraftcoachError):
    def __init__(self, platform: str, known: list[str]) -> None:
        super().__init__(f"unknown platform '{platform}' (choose from: {', '.join(known)})")
        self.platform = platform


class DraftTooSlowError(DraftcoachError):
    """Checking one draft took longer than its time budget."""

    def __init__(self, budget: float) -> None:
        super().__init__(f"checking this draft took longer than {budget:g} seconds; "
                         "shorten it or split it into several drafts")
        self.budget = budget


class DraftError(DraftcoachError):
    """A draft the coach cannot read: empty, or not text."""
