"""What a model's rewrite may and may not do to a draft.

The model writes prose; these checks hold it to the facts of the draft. A rewrite must
keep the draft's links, @mentions and numbers, must not invent new ones (a made-up
price or link is worse than no rewrite), and must never ping a whole Discord server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.models import Finding
from bot.text import Document, protected_tokens

# Discord turns these into pings: @everyone, @here, <@id>, <@!id> and role mentions
# <@&id>. A rewrite is posted back into a channel, so none may survive, whatever
# the draft or the model said.
_PING = re.compile(r"@(?=(?:everyone|here)\b)|<@[!&]?\d+>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")
_TRAILING_SPACE = re.compile(r"[ \t]+(?=\n|$)")
_UNFINISHED_MENTION = re.compile(r"(?:<@[!&]?\d*|@\w*)$")
_DISCORD_TOKEN = re.compile(r"^(?:<@[!&]?\d+>|<#\d+>|@everyone|@here)$", re.IGNORECASE)


def neutralise_pings(text: str, *, partial: bool = False) -> str:
    """The text with every Discord mass ping and user/role mention made inert.

    ``@everyone`` becomes ``everyone`` and ``<@&123>`` disappears: the words stay
    readable and nothing in them can notify anyone. With ``partial`` (text still
    streaming in) a mention cut off at the end is held back until it is complete.
    """
    if "@" not in text:
        return text
    if partial:
        text = _UNFINISHED_MENTION.sub("", text)
    cleaned = _PING.sub("", text)
    if cleaned == text:
        return text
    # Removing a mention can leave a double or trailing space behind.
    return _TRAILING_SPACE.sub("", _SPACES.sub(" ", cleaned))


def facts(text: str) -> frozenset[str]:
    """The links, @mentions and numbers in ``text``, as the rules layer reads them."""
    # Discord mentions are never kept (see neutralise_pings), so they are no facts.
    return frozenset(
        t for t in protected_tokens(neutralise_pings(text)) if not _DISCORD_TOKEN.match(t)
    )


def hashtags(text: str) -> frozenset[str]:
    """The hashtags in ``text``, compared without case (#MondayMood is #mondaymood)."""
    return frozenset(t.text.lower() for t in Document(text).tokens_of("hashtag"))


def kept_hashtags(draft: str, findings: Iterable[Finding]) -> frozenset[str]:
    """The draft's hashtags that no rule flagged: the ones the team chose on purpose.

    Stuffed or bait hashtags sit inside a finding's match and may go; the others are
    part of the post, like its links.
    """
    return hashtags(draft) - hashtags(" ".join(f.match for f in findings))


def required_tokens(draft_facts: frozenset[str], findings: Iterable[Finding]) -> frozenset[str]:
    """Which of the draft's links, @mentions and numbers the rewrite must keep.

    Tokens inside a finding's match are exempt: the rules flagged those words (a
    stuffed list of mentions, an overflow past the limit), so dropping them is the fix.
    """
    flagged = " ".join(f.match for f in findings)
    return draft_facts - facts(flagged) if flagged else draft_facts
