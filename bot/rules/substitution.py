"""``substitution``: a word or phrase that has a plainer, better alternative."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.text import Document


def _match_case(original: str, replacement: str) -> str:
    if original[:1].isupper() and replacement[:1].islower():
        return replacement[:1].upper() + replacement[1:]
    return replacement


@register
class Substitution(Rule):
    """``swap`` maps each unwanted phrase to its replacement ("" to drop it)."""

    kind = "substitution"
    keys: ClassVar[dict[str, bool]] = {"swap": True}

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        swap = spec.get("swap")
        if not isinstance(swap, dict) or not swap:
            raise spec.error("swap", "must be a mapping of phrase: replacement")
        self.swap: dict[str, str] = {}
        for phrase, replacement in swap.items():
            if not isinstance(phrase, str) or not isinstance(replacement, str):
                raise spec.error("swap", f"entry {phrase!r} must map text to text")
            self.swap[" ".join(phrase.lower().split())] = replacement
        # Longest first, so "best-in-class offerings" wins over "best-in-class".
        self.phrases = self.regex(spec, "swap", [],
                                  phrases=sorted(self.swap, key=len, reverse=True))

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        for m in live.finditer(self.phrases):
            key = " ".join(m.group().lower().split())
            yield Hit(m.start(), m.end(), _match_case(m.group(), self.swap.get(key, "")))
