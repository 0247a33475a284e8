"""``tally``: the writer's figures stacked one to a line, left to speak for themselves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.text import Document

#: A line that is a figure and a few words: "412 members.", "🔹 94% customer
#: satisfaction", "£3.1M deployed", "2 million+ photos". A figure followed by a point or
#: a bracket numbers a list ("1. ZZ plant") and one followed by a colon tells the time
#: ("07:00 Podcast"): neither counts anything.
_FIGURE_LINE = re.compile(
    r"^[^\w\n]*(?P<figure>[£$€]?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|billion)\b)?%?\+?)"
    r"[ \t]+(?P<words>[^\n]*?)[ \t]*$", re.MULTILINE | re.IGNORECASE)
#: A figure that makes a scoreboard: hundreds or more, or a share, a "k" or a "+".
#: Small counts ("10 leg swings", "3 sprints") list the steps of something to do.
_BIG_FIGURE = re.compile(
    r"\d{1,3}(?:,\d{3})+|\d{3,}|\d(?:\s?(?:k|m|bn|million|billion)\b|%|\+)", re.IGNORECASE)
#: A year ("2025 in numbers") is a date, not a count.
_YEAR = re.compile(r"(?:19|20)\d\d")
_BETWEEN_LINES = re.compile(r"\s*")


@register
class Tally(Rule):
    """Fires on ``min_lines`` or more lines in a row, each a figure and at most
    ``max_words`` words, at least one of them a large figure (hundreds or more, or a
    "%", "k" or "+"): the post's point left to a stack of numbers. The finding spans
    the stack; its message may name ``{count}`` (lines), ``{first}`` and ``{last}``."""

    kind = "tally"
    keys: ClassVar[dict[str, bool]] = {"min_lines": False, "max_words": False}
    fields: ClassVar[frozenset[str]] = frozenset({"first", "last"})

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        self.min_lines = spec.integer("min_lines", 3, minimum=2)
        self.max_words = spec.integer("max_words", 6, minimum=1)

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        prose = doc.prose
        if prose.count("\n") < self.min_lines - 1:
            return  # most drafts: too few lines to stack anything
        run: list[re.Match[str]] = []
        for line in _FIGURE_LINE.finditer(prose):
            if not 1 <= len(line["words"].split()) <= self.max_words:
                continue
            if run and not _BETWEEN_LINES.fullmatch(prose, run[-1].end(), line.start()):
                yield from self._tally(run)
                run = []
            run.append(line)
        yield from self._tally(run)

    def _tally(self, run: list[re.Match[str]]) -> Iterator[Hit]:
        if len(run) >= self.min_lines and any(_is_big(line["figure"]) for line in run):
            first, last = (line.string[line.start("figure"):line.end("words")].rstrip(".,;")
                           for line in (run[0], run[-1]))
            yield Hit(run[0].start("figure"), run[-1].end("words"), None,
                      {"count": len(run), "first": first, "last": last})


def _is_big(figure: str) -> bool:
    return _BIG_FIGURE.search(figure) is not None and not _YEAR.fullmatch(figure)
