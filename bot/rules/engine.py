"""The engine: runs rules on a draft, after one prefilter pass for all their patterns.

Every rule's patterns (see :meth:`bot.rules.base.Rule.regex`) go into one prefilter per
scope ("prose", "text"). On a draft, the prefilter names the alternatives that can
match; a rule with a needed pattern none of whose alternatives can is skipped, and the
others run their patterns over the live alternatives only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from bot.models import Finding, Severity
from bot.platforms import Platform
from bot.rules.base import Live, Pattern, Rule, to_findings
from bot.rules.prefilter import Prefilter
from bot.text import Document


class Engine:
    """The rules' patterns, prefiltered together. Built once; shared by every draft."""

    def __init__(self, rules: Iterable[Rule], *, memory: int = 64 << 20) -> None:
        by_scope: dict[str, list[Pattern]] = {}
        for rule in rules:
            for pattern in rule.patterns:
                by_scope.setdefault(pattern.scope, []).append(pattern)
        self._prefilters: dict[str, Prefilter] = {}
        #: Each pattern's parts' entries in its scope's prefilter.
        self._entries: dict[Pattern, tuple[int, ...]] = {}
        for scope, patterns in by_scope.items():
            prefilter = self._prefilters[scope] = Prefilter(
                [(part, p.flags, not p.windowed) for p in patterns for part in p.parts],
                memory=memory)
            offset = 0
            for pattern in patterns:
                count = len(pattern.parts)
                self._entries[pattern] = tuple(prefilter.entries[offset:offset + count])
                offset += count

    def live(self, doc: Document) -> Live:
        """``doc`` for the rules: each scope is prefiltered when a rule first asks."""
        found: dict[str, frozenset[int]] = {}
        prefilters, entries = self._prefilters, self._entries

        def alive(pattern: Pattern) -> tuple[int, ...] | None:
            if pattern not in entries:
                return None  # a rule the engine was not built with: run it whole
            scope = pattern.scope
            live = found.get(scope)
            if live is None:
                text = doc.prose if scope == "prose" else doc.text
                live = found[scope] = prefilters[scope].live(text)
            return tuple(index for index, entry in enumerate(entries[pattern])
                         if entry in live)

        return Live(doc, alive)

    def run(self, rules: Sequence[Rule], doc: Document, platform: Platform,
            severities: Mapping[str, Severity]) -> list[Finding]:
        """The findings of ``rules`` (each for ``platform``) in ``doc``, each at the
        severity ``severities`` gives its rule, if any."""
        live = self.live(doc)
        findings: list[Finding] = []
        for rule in rules:
            if all(live.may_match(pattern) for pattern in rule.patterns if pattern.needed):
                findings += to_findings(rule, rule.find(doc, platform, live), doc, platform,
                                        severities.get(rule.meta.id))
        return findings
