"""``length``: a post longer than its platform accepts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, register
from bot.text import Document


@register
class Length(Rule):
    """Fires when the post is over the platform's limit, counted the platform's way
    (X weighs links and wide characters; Bluesky counts graphemes). The finding covers
    exactly the part that does not fit.
    """

    kind = "length"
    keys: ClassVar[dict[str, bool]] = {}
    judges_words = False

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        post = doc.post  # a reply note is not posted
        cut = platform.overflow_start(post, doc)
        if cut is None:
            return
        assert platform.limit is not None
        length = platform.length(post, doc)
        yield Hit(doc.post_start + cut, len(doc.original), None,
                  {"length": length, "limit": platform.limit, "count": length - platform.limit},
                  original=True)
