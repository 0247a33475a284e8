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
from bot.rules.base import Live, Pattern, Rule, scope_text, to_findings
from bot.rules.prefilter import Prefilter
from bot.text import Document

#: Lists of rules planned at most (a list per platform, language and set of rules
#: turned off); then planning starts afresh.
_PLANS_REMEMBERED = 256


class Engine:
    """The rules' patterns, prefiltered together. Built once; shared by every draft."""

    def __init__(self, rules: Iterable[Rule]) -> None:
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
                forms=forms)
            offset = 0
            for pattern in patterns:
                entries = tuple(prefilter.entries[offset:offset + len(pattern.parts)])
                self._entries[pattern] = (entries, frozenset(entries))
                offset += len(pattern.parts)
        #: Each list of rules run so far, planned (see :class:`_Plan`).
        self._plans: dict[tuple[Rule, ...], _Plan] = {}

    def live(self, doc: Document) -> Live:
        """``doc`` for the rules: each scope is prefiltered when a rule first asks."""
        return Live(doc, _Prefiltered(self, doc))

    def run(self, rules: Sequence[Rule], doc: Document, platform: Platform,
            severities: Mapping[str, Severity]) -> list[Finding]:
        """The findings of ``rules`` (each for ``platform``) in ``doc``, each at the
        severity ``severities`` gives its rule, if any. A rule that defers to principles
        (:attr:`~bot.rules.base.RuleMeta.defers_to`) runs after the others, and only
        where none of them has raised a warning or error under one of those principles."""
        prefiltered = _Prefiltered(self, doc)
        plan = self._plan(rules)
        live = Live(doc, prefiltered, severities=severities, running=plan.ids)

        def found(rule: Rule) -> list[Finding]:
            return to_findings(rule, rule.find(doc, platform, live), doc, platform,
                               severities.get(rule.meta.id))

        runnable = plan.runnable(prefiltered)
        if doc.is_reply:
            runnable = [rule for rule in runnable if rule.judges(doc)]
        findings = [f for rule in runnable if not rule.meta.defers_to for f in found(rule)]
        deferring = [rule for rule in runnable if rule.meta.defers_to]
        if deferring:
            judged = {f.principle for f in findings if f.severity != "suggestion"}
            findings += [f for rule in deferring if judged.isdisjoint(rule.meta.defers_to)
                         for f in found(rule)]
        return findings

    def _plan(self, rules: Sequence[Rule]) -> _Plan:
        key = tuple(rules)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) >= _PLANS_REMEMBERED:
                self._plans.clear()
            plan = self._plans[key] = _Plan(key, [
                tuple((p.scope, self._entries[p][1]) for p in rule.needed
                      if p in self._entries) for rule in key])
        return plan


class _Plan:
    """Which of a list of rules can fire on a draft, told from the prefilters' live
    entries: most rules are skipped for most drafts, so the rules are looked up by
    the entries that let them run rather than each rule asked in turn."""

    def __init__(self, rules: tuple[Rule, ...],
                 gates: list[tuple[tuple[str, frozenset[int]], ...]]) -> None:
        self.rules = rules
        #: Their ids (what a rule that reads other rules may read, see ``Live.running``).
        self.ids = frozenset(rule.meta.id for rule in rules)
        #: Rules without a needed pattern: they always run.
        self.ungated = frozenset(i for i, rule_gates in enumerate(gates) if not rule_gates)
        #: scope -> entry -> the rules one of whose needed patterns holds it.
        self.by_entry: dict[str, dict[int, list[int]]] = {}
        for index, rule_gates in enumerate(gates):
            for scope, entry_set in rule_gates:
                for entry in entry_set:
                    self.by_entry.setdefault(scope, {}).setdefault(entry, []).append(index)
        #: Rules with several needed patterns, each of which must be able to match.
        self.multiple = {i: rule_gates for i, rule_gates in enumerate(gates)
                         if len(rule_gates) > 1}

    def runnable(self, prefiltered: _Prefiltered) -> list[Rule]:
        """The rules, in order, none of whose needed patterns is ruled out."""
        chosen = set(self.ungated)
        for scope, by_entry in self.by_entry.items():
            for entry in prefiltered.live_in(scope):
                chosen.update(by_entry.get(entry, ()))
        return [self.rules[i] for i in sorted(chosen)
                if i not in self.multiple or all(
                    not entry_set.isdisjoint(prefiltered.live_in(scope))
                    for scope, entry_set in self.multiple[i])]


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
