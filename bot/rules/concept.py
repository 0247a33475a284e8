"""``concept``: an idea stated as concepts in order ("an ASK, then the writer's own
CONTENT"), matched in folded text (see :mod:`bot.rules.lexicon`)."""

from __future__ import annotations

import re
import string
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import replace
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Rule, RuleMeta, RuleSpec, register
from bot.text import Document

_LEAD_IN = frozenset(string.whitespace + string.punctuation)


@register
class ConceptRule(Rule):
    """Flags each place where one of the ``match`` sequences occurs.

    ``unless`` sequences, found in the same sentence, make a match a legitimate use.
    The rule reads the languages its concepts have words in, unless it says otherwise.
    """

    kind = "concept"
    keys: ClassVar[dict[str, bool]] = {"match": True, "unless": False, "replacement": False}

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        lexicon = spec.lexicon
        sequences = spec.str_list("match", required=True)
        self.pattern = _compile(spec, "match", [lexicon.sequence(s, spec.where)
                                                for s in sequences])
        unless = spec.str_list("unless")
        self.unless = (_compile(spec, "unless", [lexicon.sequence(s, spec.where)
                                                 for s in unless]) if unless else None)
        if "languages" not in spec.data:
            names = [n for s in (*sequences, *unless) for n in lexicon.concept_names(s)]
            meta = _with_languages(meta, lexicon.languages_of(names))
        super().__init__(meta, spec)
        self.replacement = spec.optional_str("replacement")

    def hits(self, doc: Document, platform: Platform) -> Iterator[Hit]:
        folded = doc.folded_prose
        text = folded.text
        for m in self.pattern.finditer(text):
            begin = m.start()
            while begin < m.end() and text[begin] in _LEAD_IN:  # a sentence start's lead-in
                begin += 1
            start, end = folded.to_source(begin, m.end())
            if end <= start:
                continue
            if self.unless is not None:
                s, e = doc.sentence_around(start, end)
                sentence = doc.folded_prose
                ss, se = _folded_span(sentence.sources, s, e)
                if self.unless.search(sentence.text, ss, se):
                    continue
            yield Hit(start, end, self.replacement)


def _folded_span(sources: tuple[int, ...] | None, start: int, end: int) -> tuple[int, int]:
    """The folded span that covers ``start:end`` of the text it was folded from."""
    if sources is None:
        return start, end
    return bisect_left(sources, start), bisect_left(sources, end)


def _compile(spec: RuleSpec, key: str, patterns: list[str]) -> re.Pattern[str]:
    return spec.regex(key, "|".join(f"(?:{p})" for p in patterns), 0)


def _with_languages(meta: RuleMeta, languages: frozenset[str]) -> RuleMeta:
    return replace(meta, languages=languages)
