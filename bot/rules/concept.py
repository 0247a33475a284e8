"""``concept``: an idea stated as concepts in order ("an ASK, then the writer's own
CONTENT"), matched in folded text (see :mod:`bot.rules.lexicon` and :mod:`bot.fold`)."""

from __future__ import annotations

import string
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import replace
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Pattern, Rule, RuleMeta, RuleSpec, register
from bot.text import Document

#: What a sentence start (``^``) may take in before the first word.
_LEAD_IN = frozenset(string.whitespace + string.punctuation)


@register
class ConceptRule(Rule):
    """Flags each place where one of the ``match`` sequences occurs.

    ``unless`` sequences, found in the same sentence, make a match a legitimate use.
    The rule reads the languages its concepts have words in, unless it names them.
    """

    kind = "concept"
    keys: ClassVar[dict[str, bool]] = {"match": True, "unless": False, "replacement": False}

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        lexicon = spec.lexicon
        sequences = spec.str_list("match", required=True)
        unless = spec.str_list("unless")
        if "languages" not in spec.data:
            names = [n for s in (*sequences, *unless) for n in lexicon.concept_names(s)]
            meta = replace(meta, languages=lexicon.languages_of(names))
        super().__init__(meta, spec)
        self.sequences = self._folded([lexicon.sequence(s, spec.where) for s in sequences],
                                      needed=True)
        self.unless = (self._folded([lexicon.sequence(s, spec.where) for s in unless],
                                    needed=False) if unless else None)
        self.replacement = spec.optional_str("replacement")

    def _folded(self, sources: list[str], *, needed: bool) -> Pattern:
        """A pattern of folded text, for the prefilter. The lexicon wrote the sources and
        escaped every word, so they are not checked one by one (the slow part of a
        load); folded text is lower case already, so no IGNORECASE either."""
        pattern = Pattern(sources, 0, scope="folded", needed=needed, windowed=not needed)
        self.patterns.append(pattern)
        if needed:
            self.needed.append(pattern)
        return pattern

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        folded = doc.folded_prose
        text = folded.text
        unless = self.unless if self.unless is not None and live.may_match(self.unless) else None
        for m in live.finditer(self.sequences):
            begin = m.start()
            while begin < m.end() and text[begin] in _LEAD_IN:  # a sentence start's lead-in
                begin += 1
            start, end = folded.to_source(begin, m.end())
            if end <= start:
                continue
            if unless is not None:
                s, e = doc.sentence_around(start, end)
                if live.search(unless, *_folded_span(folded.sources, s, e)):
                    continue
            yield Hit(start, end, self.replacement)


def _folded_span(sources: tuple[int, ...] | None, start: int, end: int) -> tuple[int, int]:
    """The span of the folded text that covers ``start:end`` of what it was folded from."""
    if sources is None:
        return start, end
    return bisect_left(sources, start), bisect_left(sources, end)
