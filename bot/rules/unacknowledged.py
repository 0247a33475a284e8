"""``unacknowledged``: a reply to a complaint that does not take it up."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.rules.concept import reading_languages
from bot.text import Document


@register
class Unacknowledged(Rule):
    """Fires on a reply whose note quotes a message holding one of the ``answered``
    sequences (a complaint: "still waiting", "nobody answered") when the reply holds
    none of ``acknowledged_by`` (an apology, a promise to act, a question about their
    case). Sequences are a concept rule's. The finding quotes the reply's first
    sentence: what the person read first instead of being heard.
    """

    kind = "unacknowledged"
    keys: ClassVar[dict[str, bool]] = {"answered": True, "acknowledged_by": True}

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        answered = spec.str_list("answered", required=True)
        acknowledged_by = spec.str_list("acknowledged_by", required=True)
        super().__init__(reading_languages(meta, spec, answered), spec)
        # The quoted message is no scope of the draft's, so its pattern is not the
        # engine's: it is run here, on the message read as a draft of its own.
        self.answered = spec.folded_pattern(answered)
        # Not needed either: the rule fires where it cannot match.
        self.acknowledged_by = self.prefiltered(spec.folded_pattern(acknowledged_by))

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        if doc.answered is None or not doc.sentences or live.search(self.acknowledged_by):
            return
        if self.answered.regex.search(doc.answered.folded_prose.text):
            yield Hit(*doc.sentences[0])

