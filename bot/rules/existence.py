"""``existence``: a phrase or pattern that should not be in a post at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.text import Document


@register
class Existence(Rule):
    """Flags each occurrence of ``phrases`` / ``patterns``.

    ``exceptions`` are patterns tested against the sentence around a match: where one
    matches, the match is a legitimate use ("follow these steps", "like many of you").
    ``replacement`` is what the offline rewrite puts in its place ("" removes it).
    ``scope: text`` also searches inside links and handles (``prose``, the default,
    does not).
    """

    kind = "existence"
    keys: ClassVar[dict[str, bool]] = {"phrases": False, "patterns": False, "exceptions": False,
            "replacement": False, "scope": False}

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        phrases = spec.str_list("phrases")
        patterns = spec.str_list("patterns")
        if not phrases and not patterns:
            raise spec.error("phrases", "or 'patterns' is required for an existence rule")
        scope = spec.get("scope", "prose")
        if scope not in ("prose", "text"):
            raise spec.error("scope", "must be 'prose' or 'text'")
        self.words = self.regex(spec, "patterns", patterns, phrases=phrases, scope=scope)
        exceptions = spec.str_list("exceptions")
        # Searched in the sentence around each match.
        self.exceptions = (self.regex(spec, "exceptions", exceptions, needed=False,
                                      windowed=True) if exceptions else None)
        self.replacement = spec.optional_str("replacement")

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        exceptions = self.exceptions
        if exceptions is not None and not live.may_match(exceptions):
            exceptions = None
        for m in live.finditer(self.words):
            if m.end() == m.start():
                continue
            if exceptions is not None:
                s, e = doc.sentence_around(m.start(), m.end())
                if live.search(exceptions, s, e):
                    continue
            yield Hit(m.start(), m.end(), self.replacement)
