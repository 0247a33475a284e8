"""``absence``: something a good post has that this one lacks anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.text import Document


@register
class Absence(Rule):
    """Fires when none of ``patterns`` / ``phrases`` occurs in the writer's own words
    (links, mentions and code do not count) in a post of at least ``min_words`` words.
    The finding points at the last sentence with words in it, where the missing piece
    usually belongs; ``append`` is what the offline rewrite adds after it.
    """

    kind = "absence"
    # What it finds is missing from the whole post; the closing sentence it points at
    # is only where to add it, quoted or not.
    judges_words = False
    keys: ClassVar[dict[str, bool]] = {
        "phrases": False, "patterns": False, "min_words": False, "append": False,
    }

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        phrases, patterns = spec.str_list("phrases"), spec.str_list("patterns")
        if not phrases and not patterns:
            raise spec.error("patterns", "or 'phrases' is required for an absence rule")
        # Not needed: the rule fires where it cannot match.
        self.wanted = self.regex(spec, "patterns", patterns, phrases=phrases, needed=False)
        self.min_words = spec.integer("min_words", 1)
        self.append = spec.optional_str("append")

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        # It reads the writer's own words: a "?" in a link's query string asks nobody.
        if live.search(self.wanted) or not doc.has_words(self.min_words):
            return
        closing = doc.closing_sentence
        if closing is None:
            return
        start, end = closing
        replacement = None
        if self.append:
            last = doc.text[start:end]
            stop = "" if last[-1:] in ".!?" else "."
            replacement = f"{last}{stop} {self.append}"
        yield Hit(start, end, replacement)
