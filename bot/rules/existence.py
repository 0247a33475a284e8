"""``existence``: a phrase or pattern that should not be in a post at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import (
    Hit,
    Rule,
    RuleMeta,
    RuleSpec,
    alternation_matcher,
    register,
)
from bot.rules.matcher import Matcher
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
        matcher = alternation_matcher(spec, phrases, patterns)
        assert matcher is not None
        self.matcher = matcher
        exceptions = spec.str_list("exceptions")
        # Searched in the sentence around each match; the shared scan tells first
        # whether an exception can be anywhere in the draft.
        self.exceptions = alternation_matcher(spec, [], exceptions, key="exceptions",
                                              windowed=True)
        self.replacement = spec.optional_str("replacement")
        scope = spec.get("scope", "prose")
        if scope not in ("prose", "text"):
            raise spec.error("scope", "must be 'prose' or 'text'")
        self.use_prose = scope == "prose"

    def matchers(self) -> list[tuple[str, Matcher]]:
        found = super().matchers()
        if self.exceptions is not None:
            found.append(("prose", self.exceptions))
        return found

    def gate(self) -> tuple[str, Matcher]:
        return ("prose" if self.use_prose else "text", self.matcher)

    def hits(self, doc: Document, platform: Platform) -> Iterator[Hit]:
        haystack = doc.prose_haystack if self.use_prose else doc.text_haystack
        exceptions = self.exceptions
        if exceptions is not None and not exceptions.may_match(doc.prose_haystack):
            exceptions = None
        for m in self.matcher.finditer(haystack):
            if m.end() == m.start():
                continue
            if exceptions is not None:
                s, e = doc.sentence_around(m.start(), m.end())
                if exceptions.pattern.search(doc.prose, s, e):
                    continue
            yield Hit(m.start(), m.end(), self.replacement)
