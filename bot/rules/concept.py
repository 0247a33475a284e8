"""``concept``: an idea stated as concepts in order ("an ASK, then the writer's own
CONTENT"), matched in folded text (see :mod:`bot.rules.lexicon` and :mod:`bot.fold`)."""

from __future__ import annotations

import re
import string
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Pattern, Rule, RuleMeta, RuleSpec, folded_pattern, register
from bot.text import TOKEN_MARKS, Document

#: What a sentence start (``^``) may take in before the first word.
_LEAD_IN = frozenset(string.whitespace + string.punctuation)
#: A word that is not a hashtag's: after a match, the post says more (a link, a handle
#: and a plain word all start with one).
_WORD_AFTER = re.compile(r"(?<![#\w])\w")
#: How many of a draft's last words an ``ends_post`` rule reads: a match the draft ends
#: with starts among them (a sequence of two phrases and a gap of 20 is well inside), and
#: a long post is not read whole for a pointer at its end.
_ENDING_WORDS = 60
#: The tokens a rule may need a draft to hold (``needs``).
_NEEDED_TOKENS = tuple(TOKEN_MARKS)


@register
class ConceptRule(Rule):
    """Flags each place where one of the ``match`` sequences occurs.

    ``unless`` sequences, found in the same sentence, make a match a legitimate use;
    ``spared_by`` sequences, found anywhere in the post, make the whole post one (it
    already gives the reader what the fix asks for: a lesson, a question to them). With
    ``within: post`` a sequence's gaps may cross sentence ends: for ideas that only the
    post as a whole shows (a post about yourself that tags itself a boast). ``mark``
    names the concept whose words a finding quotes (by default, the whole match), or
    several, of which each sequence holds one.
    ``max_words`` keeps the rule to drafts of at most that many words (a teaser is a
    headline's device: a long post that goes on to say "here's what I learned" delivers
    it). ``delivers_after`` names a mark (":") that, later in a match's sentence, shows the
    sentence keeps what the match promised ("Here's how to tell: it doubles in 6 hours").
    ``ends_post: true`` keeps a match only where the draft ends with it: nothing follows
    but marks, emoji and hashtags (a promise the post never keeps, "here's why 👇"; a
    link after it is where the point is). ``needs`` names the tokens a draft must hold
    for the rule to read it (``url``, ``mention``, ``hashtag``: a plug needs its link).
    ``reply_cues`` keeps the rule to replies: a draft that opens with an @handle or a
    reply note (see :class:`bot.text.Document`), or in which one of these sequences
    occurs ("great thread", "in the replies"). ``spared_when_asked: true`` spares a reply
    whose note quotes a question: what it points to may be what was asked;
    ``spared_when_asked_about`` spares it only where the question holds one of these
    sequences (a price asked, "do you do …?": the price and the way to book are the
    answer, where "anyone recommend …?" was no request for a pitch). ``answering``
    keeps the rule to replies whose note holds one of these sequences (someone's own
    news, "just got my first offer!": a reply that meets it with the writer's bigger
    result one-ups them). The rule
    reads the languages its concepts have words in, unless it names them.
    """

    kind = "concept"
    keys: ClassVar[dict[str, bool]] = {"match": True, "unless": False, "replacement": False,
                                       "within": False, "mark": False, "max_words": False,
                                       "spared_by": False, "delivers_after": False,
                                       "ends_post": False, "needs": False,
                                       "reply_cues": False, "spared_when_asked": False,
                                       "spared_when_asked_about": False, "answering": False}

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        lexicon = spec.lexicon
        sequences = spec.str_list("match", required=True)
        unless = spec.str_list("unless")
        spared_by = spec.str_list("spared_by")
        super().__init__(reading_languages(meta, spec, sequences), spec)
        within = spec.get("within", "sentence")
        if within not in ("sentence", "post"):
            raise spec.error("within", f"must be 'sentence' or 'post', not {within!r}")
        self.whole_post = within == "post"
        marks = spec.str_list("mark")
        marked = [next((m for m in marks if m in s.split()), None) for s in sequences]
        if marks and None in marked:
            raise spec.error("mark", f"names {', '.join(map(repr, marks))}; every 'match' "
                                     f"sequence must hold one, and "
                                     f"{sequences[marked.index(None)]!r} holds none")
        compose = partial(lexicon.sequence, where=spec.where, across_sentences=self.whole_post)
        composed = [compose(s, mark=m) for s, m in zip(sequences, marked, strict=True)]
        self.sequences = self.prefiltered(folded_pattern(composed, needed=True))
        self.unless = (self.prefiltered(spec.folded_pattern(unless, windowed=True))
                       if unless else None)
        spared = [compose(s) for s in spared_by]
        self.spared_by = (self.prefiltered(folded_pattern(spared, windowed=True))
                          if spared else None)
        self.replacement = spec.optional_str("replacement")
        self.delivers_after = spec.optional_str("delivers_after")
        self.ends_post = spec.boolean("ends_post", default=False)
        self.max_words = (spec.integer("max_words", minimum=1) if "max_words" in spec.data
                          else None)
        self.needs = tuple(spec.str_list("needs"))
        if unknown := [kind for kind in self.needs if kind not in _NEEDED_TOKENS]:
            raise spec.error("needs", f"names {unknown[0]!r}; a draft's tokens are "
                                      f"{', '.join(_NEEDED_TOKENS)}")
        self.spared_when_asked = spec.boolean("spared_when_asked", default=False)
        asked_about = spec.str_list("spared_when_asked_about")
        self.asked_about = spec.folded_pattern(asked_about) if asked_about else None
        answering = spec.str_list("answering")
        self.answering = spec.folded_pattern(answering) if answering else None
        cues = spec.str_list("reply_cues")
        self.reply_cues = (self.prefiltered(spec.folded_pattern(cues, windowed=True))
                           if cues else None)

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        if self.max_words is not None and doc.has_words(self.max_words + 1):
            return
        if not all(doc.tokens_of(kind) for kind in self.needs):
            return
        if self.reply_cues is not None and not (doc.is_reply
                                                or live.search(self.reply_cues)):
            return
        if doc.answers_question and (self.spared_when_asked or self._asked_about(doc)):
            return
        if self.answering is not None and not _quotes(doc, self.answering):
            return
        folded = doc.folded_prose
        text = folded.text
        if self.spared_by is not None and live.search(self.spared_by):
            return
        unless = self.unless if self.unless is not None and live.may_match(self.unless) else None
        for m in live.finditer(self.sequences, _ending(text) if self.ends_post else 0):
            begin, finish = m.span(m.lastindex or 0)  # the marked concept, or all of it
            while not m.lastindex and begin < finish and text[begin] in _LEAD_IN:
                begin += 1  # a sentence start's lead-in
            start, end = folded.to_source(begin, finish)
            if end <= start or (self.ends_post and _WORD_AFTER.search(doc.text, end)):
                continue
            if unless is not None or self.delivers_after is not None:
                s, e = doc.sentence_around(start, end)
                if self.delivers_after is not None and self.delivers_after in doc.text[end:e]:
                    continue
                if unless is not None and live.search(unless,
                                                      *_folded_span(folded.sources, s, e)):
                    continue
            yield Hit(start, end, self.replacement)

    def _asked_about(self, doc: Document) -> bool:
        """Whether the question the reply answers holds a ``spared_when_asked_about``
        sequence."""
        return self.asked_about is not None and _quotes(doc, self.asked_about)


def _quotes(doc: Document, pattern: Pattern) -> bool:
    """Whether the message ``doc`` answers (its reply note) holds ``pattern``."""
    answered = doc.answered
    return answered is not None and pattern.regex.search(answered.folded_prose.text) is not None


def reading_languages(meta: RuleMeta, spec: RuleSpec, sequences: list[str]) -> RuleMeta:
    """``meta`` reading the languages the concepts of ``sequences`` have words in, unless
    the rule names its own. What it matches says which languages it reads; an exception
    only spares. Quoted words alone name no concept: the loader's languages then, as for
    any rule (unread, such a rule would pass its examples and never run on a draft)."""
    if "languages" in spec.data:
        return meta
    names = [n for s in sequences for n in spec.lexicon.concept_names(s)]
    return replace(meta, languages=spec.lexicon.languages_of(names) or meta.languages)


def _ending(text: str) -> int:
    """Where the last :data:`_ENDING_WORDS` words of ``text`` begin (0 for a shorter text)."""
    head = text.rsplit(None, _ENDING_WORDS)
    return len(head[0]) if len(head) > _ENDING_WORDS else 0


def _folded_span(sources: tuple[int, ...] | None, start: int, end: int) -> tuple[int, int]:
    """The span of the folded text that covers ``start:end`` of what it was folded from."""
    if sources is None:
        return start, end
    return bisect_left(sources, start), bisect_left(sources, end)
