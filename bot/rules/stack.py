"""``stack``: a post built as a column of like lines (figures, one-line beats)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from bot.platforms import Platform
from bot.rules.base import Hit, Live, Rule, RuleMeta, RuleSpec, register
from bot.text import Document

#: What a post is read in: its lines, or its paragraphs (runs of lines between blank
#: lines). Blank lines are no unit.
_UNITS = {
    "line": re.compile(r"[^\S\n]*\S[^\n]*"),
    "paragraph": re.compile(r"[^\S\n]*\S(?:[^\n]|\n(?![^\S\n]*(?:\n|$)))*"),
}


@register
class Stack(Rule):
    """Fires on ``min_units`` or more units (``unit``: ``line`` or ``paragraph``) in a
    row that each match ``each`` whole, of which at least one also matches ``some``
    (where given). ``each`` may name a group ``item``: the part of a unit the finding
    spans and quotes (a figure's line without the emoji before it). The message may
    name ``{count}`` (units), ``{first}`` and ``{last}`` (the first and last item)."""

    kind = "stack"
    keys: ClassVar[dict[str, bool]] = {"unit": True, "each": True, "some": False,
                                       "min_units": True}
    fields: ClassVar[frozenset[str]] = frozenset({"first", "last"})

    def __init__(self, meta: RuleMeta, spec: RuleSpec) -> None:
        super().__init__(meta, spec)
        unit = spec.get("unit")
        if unit not in _UNITS:
            raise spec.error("unit", f"must be one of {', '.join(_UNITS)}, not {unit!r}")
        self.units = _UNITS[unit]
        # A stack needs line breaks: the engine's prefilter skips the rule on drafts of
        # one line (most of them) without calling it.
        self.regex(spec, "unit", [r"\n"])
        # Required: the loader has refused a rule without it.
        self.each = spec.regex("each", str(spec.optional_str("each")))
        some = spec.optional_str("some")
        self.some = spec.regex("some", some) if some is not None else None
        self.min_units = spec.integer("min_units", minimum=2)
        #: What a finding spans and quotes of each unit: its ``item`` group, or all of it.
        self.quoted: str | int = "item" if "item" in self.each.groupindex else 0

    def find(self, doc: Document, platform: Platform, live: Live) -> Iterator[Hit]:
        prose = doc.prose
        if prose.count("\n") < self.min_units - 1:
            return  # most drafts: too few lines to stack anything
        run: list[re.Match[str]] = []
        for unit in self.units.finditer(prose):
            end = unit.start() + len(unit.group().rstrip())
            item = self.each.fullmatch(prose, unit.start(), end)
            if item is None:
                yield from self._stacked(run)
                run = []
            else:
                run.append(item)
        yield from self._stacked(run)

    def _stacked(self, run: list[re.Match[str]]) -> Iterator[Hit]:
        if len(run) < self.min_units:
            return
        if self.some is not None and not any(self.some.search(item.group()) for item in run):
            return
        first, last = (item.group(self.quoted).rstrip(".,;") for item in (run[0], run[-1]))
        yield Hit(run[0].start(self.quoted), run[-1].end(self.quoted), None,
                  {"count": len(run), "first": first, "last": last})
