"""``ratio``: a post that talks about the writer far more than about the reader."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.text import Document


@register
class Ratio(Rule):
    """Compares words of ``numerator`` (self: I, my, we, our) with ``denominator``
    (reader: you, your).

    Fires when there are at least ``min_count`` numerator words and more than
    ``max_ratio`` of them for each denominator word. The finding quotes the sentence
    with the most numerator words: the clearest example of the imbalance.
    """

    kind = "ratio"
    keys: ClassVar[dict[str, bool]] = {
        "numerator": True, "denominator": True, "max_ratio": True, "min_count": False,
    }

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        self.numerator = self.regex(spec, "numerator", [],
                                    phrases=spec.str_list("numerator", required=True))
        self.denominator = self.regex(spec, "denominator", [], needed=False,
                                      phrases=spec.str_list("denominator", required=True))
        self.max_ratio = spec.number("max_ratio")
        self.min_count = spec.integer("min_count", 3, minimum=1)

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        mine = [m.start() for m in live.finditer(self.numerator)]
        if len(mine) < self.min_count:
            return
        yours = sum(1 for _ in live.finditer(self.denominator))
        if len(mine) <= self.max_ratio * max(yours, 1):
            return
        # mine is sorted: count each sentence's share by bisection, not by a scan.
        best = max(doc.sentences,
                   key=lambda se: bisect_left(mine, se[1]) - bisect_left(mine, se[0]))
        yield Hit(best[0], best[1], None, {"self": len(mine), "reader": yours})
