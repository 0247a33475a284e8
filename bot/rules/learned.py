"""``learned``: a linear model trained on labelled posts judges the draft as a whole.

The model (``model:``, a file written by ``scripts/train_learned.py``, path relative to
the rule file) scores the draft; at or above the threshold it chose on rows it was not
trained on, the rule fires once. The finding marks the sentence that weighs most and
its message names the words that weighed most (``{words}``), so the writer sees why.

``reads: headline`` keeps a model to the kind of text it learned from: it judges a
draft only when the draft is a headline (one sentence of at most :data:`HEADLINE_WORDS`
words, without handles or hashtags, its words capitalised the way headlines are), and
reads only the headline of an outlet's post that closes with a link to the article.
Casual posts share a headline's words ("you", "this", "what") but not its form,
and a model that has only seen headlines misreads them. ``reads: post`` is the other
way round: a model that learned from posts leaves headlines to one that learned from
them. ``reads: draft``, the default, judges every draft. ``max_words`` keeps a model to
drafts as long as those it learned from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.rules.linear_model import LINK, VIDEO_LINK, LinearTextModel
from bot.text import Document

Spans = tuple[tuple[int, int], ...]

#: How the message names a link, which the model reads as one placeholder word.
_LINK_NAMES = {LINK: '"a link"', VIDEO_LINK: '"a link to a video"'}
HEADLINE_WORDS = 20
#: What a model may judge (see the module's description).
READS = ("draft", "headline", "post")
#: Share of a headline's longer words that start with a capital ("Title Case").
_TITLE_CASE_SHARE = 0.75
#: Longer than any headline of at most :data:`HEADLINE_WORDS` words.
_HEADLINE_CHARACTERS = 300
_LONGER_WORD = re.compile(r"[^\W\d_][\w'’-]{3,}")


@register
class Learned(Rule):
    kind = "learned"
    keys: ClassVar[dict[str, bool]] = {"model": True, "reads": False, "max_words": False}
    fields: ClassVar[frozenset[str]] = frozenset({"words"})

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        name = spec.get("model")
        if not isinstance(name, str):
            raise spec.error("model", "must be the path of a model file")
        self.model = LinearTextModel.load(Path(meta.file).parent / name)
        reads = spec.get("reads", "draft")
        if reads not in READS:
            raise spec.error("reads", "must be 'draft', 'headline' or 'post'")
        self.reads = reads
        self.max_words = (spec.integer("max_words", minimum=1) if "max_words" in spec.data
                          else None)

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        read = self._read(doc)
        if read is None:
            return
        reason = self.model.judge(*read)
        if reason is None:
            return
        words = ", ".join(_LINK_NAMES.get(w, f'"{w}"') for w in reason.words)
        yield Hit(*reason.span, fields={"words": words or "the whole draft"})

    def _read(self, doc: Document) -> tuple[str, Callable[[], Spans]] | None:
        """What the model reads of the draft, with its sentences; None when the draft is
        not of the kind and length the model learned from."""
        # Runs between spaces, links, hashtags and mentions among them: a little stricter
        # than a concept rule's ``max_words``, which counts the writer's own words
        # (Document.has_words).
        if self.max_words is not None and len(doc.text.split()) > self.max_words:
            return None
        if self.reads == "draft":
            return doc.text, lambda: doc.sentences
        headline = _headline(doc)
        if self.reads == "post":
            return None if headline else (doc.text, lambda: doc.sentences)
        if headline is None:
            return None
        words, span = headline
        return words, lambda: (span,)

    def trained_on(self, source: str, row_id: str) -> bool:
        return self.model.trained_on(source, row_id)


def headline_read(text: str) -> str | None:
    """What a ``reads: headline`` model reads of a draft, or None when the draft is no
    headline: what training reads is what the rule judges."""
    headline = _headline(Document(text))
    return None if headline is None else headline[0]


def _headline(doc: Document) -> tuple[str, tuple[int, int]] | None:
    """What a headline model reads of the draft, and the span its finding marks, if the
    draft is a headline: all of it, or the words before the one link that closes it (how
    an outlet shares an article)."""
    end = len(doc.text)
    if doc.tokens:
        link, *others = doc.tokens
        if others or link.kind != "url" or doc.text[link.end:].strip():
            return None
        end = link.start
    if end > _HEADLINE_CHARACTERS:
        return None
    spoken = [start for start, stop in doc.sentences
              if start < end and doc.has_words_between(start, min(stop, end))]
    if len(spoken) != 1:
        return None
    start, stop = spoken[0], len(doc.text[:end].rstrip())
    words = _LONGER_WORD.findall(doc.text[start:stop])
    # a word in capitals throughout is shouting, not headline style
    titled = sum(w[0].isupper() and not w.isupper() for w in words)
    if len(words) < 2 or titled < _TITLE_CASE_SHARE * len(words):
        return None
    if len(doc.words) > HEADLINE_WORDS:
        return None
    return doc.text[:stop], (start, stop)
