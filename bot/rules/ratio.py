"""``ratio``: a post that talks about the writer far more than about the reader."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import (
    Hit,
    Rule,
    RuleMeta,
    RuleSpec,
    alternation_matcher,
    at_least,
    register,
)
from bot.rules.matcher import Matcher
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
        numerator = alternation_matcher(spec, spec.str_list("numerator", required=True), [],
                                        key="numerator")
        denominator = alternation_matcher(spec, spec.str_list("denominator", required=True),
                                          [], key="denominator")
        assert numerator is not None and denominator is not None
        self.numerator = numerator
        self.denominator = denominator
        self.max_ratio = spec.number("max_ratio")
        self.min_count = spec.integer("min_count", 3, minimum=1)
        self._enough_self = at_least(numerator.pattern.pattern, self.min_count,
                                     numerator.pattern.flags)

    def matchers(self) -> list[tuple[str, Matcher]]:
        return [*super().matchers(), ("prose", self.numerator), ("prose", self.denominator)]

    def gate(self) -> tuple[str, Matcher]:
        return ("prose", self._enough_self)

    def hits(self, doc: Document, platform: Platform) -> Iterator[Hit]:
        prose = doc.prose_haystack
        mine = [m.start() for m in self.numerator.finditer(prose)]
        if len(mine) < self.min_count:
            return
        yours = sum(1 for _ in self.denominator.finditer(prose))
        if len(mine) <= self.max_ratio * max(yours, 1):
            return
        # mine is sorted: count each sentence's share by bisection, not by a scan.
        best = max(doc.sentences,
                   key=lambda se: bisect_left(mine, se[1]) - bisect_left(mine, se[0]))
        yield Hit(best[0], best[1], None, {"self": len(mine), "reader": yours})
