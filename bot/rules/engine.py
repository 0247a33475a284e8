"""The engine: runs rules on a draft, after one prefilter pass for all their patterns.

Every rule's patterns (see :meth:`bot.rules.base.Rule.regex`) go into one prefilter per
scope ("prose", "text"). On a draft, the prefilter names the alternatives that can
match; a rule with a needed pattern none of whose alternatives can is skipped, and the
others run their patterns over the live alternatives only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.models import Finding, Severity
from bot.platforms import Platform
from bot.rules.base import Live, Pattern, Rule, scope_text, to_findings
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
        #: Each pattern's parts' entries in its scope's prefilter, and the set of them.
        self._entries: dict[Pattern, tuple[tuple[int, ...], frozenset[int]]] = {}
        for scope, patterns in by_scope.items():
            forms = {(part, p.flags, not p.windowed): form for p in patterns
                     for part, form in p.prefilter_forms().items()}
            prefilter = self._prefilters[scope] = Prefilter(
                [(part, p.flags, not p.windowed) for p in patterns for part in p.parts],
                memory=memory, forms=forms)
            offset = 0
            for pattern in patterns:
                entries = tuple(prefilter.entries[offset:offset + len(pattern.parts)])
                self._entries[pattern] = (entries, frozenset(entries))
                offset += len(pattern.parts)
        #: What each list of rules run so far needs of a draft (see :class:`_Plan`).
        self._plans: dict[tuple[Rule, ...], _Plan] = {}

    def live(self, doc: Document) -> Live:
        """``doc`` for the rules: each scope is prefiltered when a rule first asks."""
        return Live(doc, _Prefiltered(self, doc))

    def run(self, rules: Sequence[Rule], doc: Document, platform: Platform,
            severities: Mapping[str, Severity]) -> list[Finding]:
        """The findings of ``rules`` (each for ``platform``) in ``doc``, each at the
        severity ``severities`` gives its rule, if any."""
        key = tuple(rules)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _PLANS_KEPT:
                self._plans.clear()  # teams that switch rules off make lists of their own
            plan = self._plans[key] = self._plan(key)
        prefiltered = _Prefiltered(self, doc)
        live = Live(doc, prefiltered)
        # The rules a draft's live entries wake, asked entry by entry: a draft has a few
        # live entries, a list has tens of rules, and most rules are skipped for most drafts.
        woken = set(plan.ungated)
        for scope, rules_of_entry in plan.woken_by:
            for entry in prefiltered.live_in(scope):
                positions = rules_of_entry.get(entry)
                if positions is not None:
                    woken.update(positions)
        findings: list[Finding] = []
        for position in sorted(woken):
            rule = key[position]
            later = plan.later_gates.get(position)
            if later is not None and any(entries.isdisjoint(prefiltered.live_in(scope))
                                         for scope, entries in later):
                continue
            findings += to_findings(rule, rule.find(doc, platform, live), doc, platform,
                                    severities.get(rule.meta.id))
        return findings

    def _plan(self, rules: tuple[Rule, ...]) -> _Plan:
        ungated: list[int] = []
        woken_by: dict[str, dict[int, list[int]]] = {}
        later_gates: dict[int, tuple[tuple[str, frozenset[int]], ...]] = {}
        for position, rule in enumerate(rules):
            gates = [(p.scope, self._entries[p][1]) for p in rule.needed if p in self._entries]
            if not gates:
                ungated.append(position)
                continue
            (scope, entries), *later = gates
            rules_of_entry = woken_by.setdefault(scope, {})
            for entry in entries:
                rules_of_entry.setdefault(entry, []).append(position)
            if later:
                later_gates[position] = tuple(later)
        return _Plan(
            ungated=tuple(ungated),
            woken_by=tuple((scope, {entry: tuple(positions)
                                    for entry, positions in rules_of_entry.items()})
                           for scope, rules_of_entry in woken_by.items()),
            later_gates=later_gates)


#: Lists of rules whose plans an engine keeps (a few platforms times a few languages).
_PLANS_KEPT = 256


@dataclass(frozen=True, slots=True)
class _Plan:
    """A list of rules as the engine runs it: a rule runs when one entry of its first
    needed pattern is live in the draft (it is then *woken*), and every later needed
    pattern has a live entry too. Rules are named by their position in the list, which
    is also the order they run and report in."""

    #: The rules with no needed pattern: they run on every draft.
    ungated: tuple[int, ...]
    #: Per scope, each prefilter entry -> the rules whose first needed pattern holds it.
    woken_by: tuple[tuple[str, Mapping[int, tuple[int, ...]]], ...]
    #: The rules with more than one needed pattern -> the scope and entries of the others.
    later_gates: Mapping[int, tuple[tuple[str, frozenset[int]], ...]]


class _Prefiltered:
    """One draft as the engine's prefilters see it: each scope read once, when first
    asked about."""

    def __init__(self, engine: Engine, doc: Document) -> None:
        self.engine = engine
        self.doc = doc
        #: The live entries of each scope read so far.
        self.found: dict[str, frozenset[int]] = {}

    def live_in(self, scope: str) -> frozenset[int]:
        live = self.found.get(scope)
        if live is None:
            live = self.found[scope] = self.engine._prefilters[scope].live(
                scope_text(self.doc, scope))
        return live

    def alive(self, pattern: Pattern) -> tuple[int, ...] | None:
        """The indices of ``pattern``'s parts that may match; None for a pattern the
        engine was not built with (it runs whole)."""
        known = self.engine._entries.get(pattern)
        if known is None:
            return None
        entries, entry_set = known
        live = self.live_in(pattern.scope)
        if entry_set.isdisjoint(live):  # most patterns, in most drafts: asked in C
            return ()
        return tuple(index for index, entry in enumerate(entries) if entry in live)

    def may_match(self, pattern: Pattern) -> bool:
        known = self.engine._entries.get(pattern)
        return known is None or not known[1].isdisjoint(self.live_in(pattern.scope))
