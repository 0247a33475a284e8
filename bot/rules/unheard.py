"""``unheard``: a reply that takes up nothing of the message it answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, RuleMeta, RuleSpec, register
from bot.rules.concept import ConceptRule
from bot.text import Document

#: Words are compared by their first letters, a plural's or possessive's "s" left off,
#: so that a reply's "refunded" takes up the message's "refund", "crashes" its "crash"
#: and "dogs" its "dog".
_STEM = 5


@register
class Unheard(ConceptRule):
    """A concept rule for a reply that quotes the message it answers (``[re: '…']``,
    see :class:`bot.text.Document`) and takes up none of its words: it fires where one of
    the ``match`` sequences occurs and no word of the reply, but those of the concept
    ``common_words`` ("the", "you", "thanks"), is a word of the message. A stock line
    ("thanks for reaching out", "check out our website") that answers a question in its
    own words is service; with none of them, it is what was said instead of an answer.
    """

    kind = "unheard"
    keys: ClassVar[dict[str, bool]] = {**ConceptRule.keys, "common_words": True}

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        name = spec.get("common_words")
        if not isinstance(name, str) or name not in spec.lexicon:
            raise spec.error("common_words", f"must name a concept, not {name!r}")
        self.common_words = frozenset(spec.lexicon.single_words(name))

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        if doc.answered is None or not self._stems(doc.answered).isdisjoint(self._stems(doc)):
            return
        yield from super().find(doc, platform, live)

    def _stems(self, doc: Document) -> set[str]:
        """The writer's own words in ``doc`` but the common ones, each by its stem."""
        words = (doc.prose[start:end].lower() for start, end in doc.words)
        return {word.removesuffix("'s").removesuffix("s")[:_STEM] for word in words
                if word not in self.common_words}
