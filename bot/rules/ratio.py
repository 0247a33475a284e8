"""``ratio``: a post that talks about the writer far more than about the reader."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Rule, RuleMeta, RuleSpec, alternation, register
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
        self.numerator = alternation(spec, spec.str_list("numerator", required=True), [],
                                     key="numerator")
        self.denominator = alternation(spec, spec.str_list("denominator", required=True), [],
                                       key="denominator")
        self.max_ratio = spec.number("max_ratio")
        self.min_count = spec.integer("min_count", 3, minimum=1)

    def hits(self, doc: Document, platform: Platform) -> Iterator[Hit]:
        assert self.numerator is not None and self.denominator is not None
        mine = [m.start() for m in self.numerator.finditer(doc.prose)]
        if len(mine) < self.min_count:
            return
        yours = sum(1 for _ in self.denominator.finditer(doc.prose))
        if len(mine) <= self.max_ratio * max(yours, 1):
            return
        best = max(doc.sentences, key=lambda se: sum(se[0] <= p < se[1] for p in mine))
        yield Hit(best[0], best[1], None, {"self": len(mine), "reader": yours})
