"""The rules layer as one object: principles, platforms and rules, loaded once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from bot.errors import ConfigError, UnknownPlatformError
from bot.models import SEVERITY_RANK, Assessment, Critique, Finding, Rewrite, Severity
from bot.platforms import Platform, load_platforms
from bot.rules import Rule, load_rules
from bot.rules.lexicon import load_lexicon
from bot.rules.matcher import Matcher
from bot.rules.scan import Matching, PatternSet
from bot.settings import ConfigSource, Settings, read_yaml
from bot.text import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Principle:
    id: str
    title: str
    summary: str
    why: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class RuleOverrides:
    """Per-team changes to the rules: some switched off, some at another severity."""

    disabled: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.disabled, tuple(sorted(self.severity.items()))))


NO_OVERRIDES = RuleOverrides()


class _Check(NamedTuple):
    """A rule as the coach runs it on one platform. The rule finds nothing unless the
    shared scan of ``scope`` names one of ``entries`` (see :meth:`Rule.gate`); None when
    the rule decides that for itself (:meth:`Rule.may_find`)."""

    rule: Rule
    scope: str
    entries: frozenset[int] | None


def load_principles(path: Path) -> dict[str, Principle]:
    data = read_yaml(path)
    if not isinstance(data, dict) or not data:
        raise ConfigError(f"{path}: expected a mapping of principle ids")
    principles = {}
    for pid, spec in data.items():
        if not isinstance(spec, dict):
            raise ConfigError(f"{path}: principle '{pid}' must be a mapping")
        unknown = set(spec) - {"title", "summary", "why", "source"}
        if unknown:
            raise ConfigError(f"{path}: principle '{pid}': unknown key '{sorted(unknown)[0]}'")
        missing = [k for k in ("title", "summary", "why") if not spec.get(k)]
        if missing:
            raise ConfigError(f"{path}: principle '{pid}': '{missing[0]}' is required")
        principles[str(pid)] = Principle(
            id=str(pid), title=str(spec["title"]), summary=str(spec["summary"]).strip(),
            why=str(spec["why"]).strip(), source=str(spec.get("source", "")),
        )
    return principles


class Coach:
    """Judges drafts against the principles. Pure and synchronous; safe to share."""

    def __init__(
        self,
        principles: Mapping[str, Principle],
        platforms: Mapping[str, Platform],
        rules: list[Rule],
    ) -> None:
        self.principles = dict(principles)
        self.platforms = dict(platforms)
        self._rules = rules
        self._rules_by_id = {rule.meta.id: rule for rule in rules}
        self._pattern_sets = _share_scans(rules)
        self._checks = {platform_id: _checks(rules, platform)
                        for platform_id, platform in self.platforms.items()}

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules)

    @property
    def platform_ids(self) -> list[str]:
        return list(self.platforms)

    def rule(self, rule_id: str) -> Rule | None:
        return self._rules_by_id.get(rule_id)

    def platform(self, platform_id: str) -> Platform:
        try:
            return self.platforms[platform_id]
        except KeyError:
            raise UnknownPlatformError(platform_id, self.platform_ids) from None

    def assess(
        self, text: str, platform: str, overrides: RuleOverrides | None = None
    ) -> Assessment:
        """Run every rule on ``text`` for ``platform``; findings sorted by position."""
        target = self.platform(platform)
        overrides = overrides or NO_OVERRIDES
        doc = Document(text)
        findings: list[Finding] = []
        scans: dict[str, Matching] = {}
        for rule, scope, entries in self._checks[target.id]:
            if rule.meta.id in overrides.disabled:
                continue
            if entries is not None:
                found = scans.get(scope)
                if found is None:
                    found = scans[scope] = doc.haystack(scope).scan(self._pattern_sets[scope])
                if entries.isdisjoint(found):
                    continue
            elif not rule.may_find(doc):
                continue
            findings.extend(rule.findings(doc, target, overrides.severity.get(rule.meta.id)))
        findings = _without_echoes(findings)
        findings.sort(key=lambda f: (f.span[0], SEVERITY_RANK[f.severity], f.span[1]))
        return Assessment(
            text=text, platform=target.id, findings=tuple(findings),
            length=target.length(text, doc), limit=target.limit,
        )

    def offline_rewrite(
        self, assessment: Assessment, overrides: RuleOverrides | None = None
    ) -> Rewrite:
        from bot.rewrite import offline_rewrite

        return offline_rewrite(self, assessment, overrides)

    def critique(
        self, text: str, platform: str, overrides: RuleOverrides | None = None
    ) -> Critique:
        assessment = self.assess(text, platform, overrides)
        return Critique(assessment, self.offline_rewrite(assessment, overrides))


def _share_scans(rules: list[Rule]) -> dict[str, PatternSet]:
    """Let every rule pattern that searches the same haystack share one scan per draft
    (see :mod:`bot.rules.scan`): a pass of RE2 for all rules instead of one per rule.
    Returns the pattern set of each haystack ("prose", "text")."""
    pattern_sets = {}
    by_scope: dict[str, list[Matcher]] = {}
    for rule in rules:
        for scope, matcher in rule.matchers():
            by_scope.setdefault(scope, []).append(matcher)
    for scope, matchers in by_scope.items():
        pattern_set = pattern_sets[scope] = PatternSet(
            [p for matcher in matchers for p in matcher.patterns])
        offset = 0
        for matcher in matchers:
            matcher.use(pattern_set, offset)
            offset += len(matcher.patterns)
    return pattern_sets


def _checks(rules: list[Rule], platform: Platform) -> list[_Check]:
    """The rules that apply to ``platform``, in order, each with its gate's entries."""
    checks = []
    for rule in rules:
        if rule.applies_to(platform):
            gate = rule.gate()
            checks.append(_Check(rule, "prose", None) if gate is None
                          else _Check(rule, gate[0], gate[1].entries))
    return checks


def _without_echoes(findings: list[Finding]) -> list[Finding]:
    """Drop a finding when another of the same principle already covers its words.

    Two rules of one principle often catch the same phrase ("follow back" and a
    follow-for-follow pattern); the user needs to hear it once, at the higher severity.
    """
    if len(findings) < 2:
        return findings
    ranked = sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], f.span[0] - f.span[1]))
    kept: list[Finding] = []
    for finding in ranked:
        start, end = finding.span
        echo = any(
            k.principle == finding.principle and k.span[0] <= start and end <= k.span[1]
            and end > start
            # keep a narrower finding that brings a fix the wider one lacks
            and (finding.replacement is None or k.replacement is not None)
            for k in kept
        )
        if not echo:
            kept.append(finding)
    return kept


def build_coach(source: Settings | ConfigSource) -> Coach:
    """Load principles, platforms and rules from the (possibly overlaid) config."""
    config = source.config if isinstance(source, Settings) else source
    principles = load_principles(config.find("principles.yaml"))
    platforms = load_platforms(config.find("platforms.yaml"))
    rule_files = config.glob("rules/*.yaml")
    if not rule_files:
        raise ConfigError(f"{config.default / 'rules'}: no rule files found")
    lexicon = load_lexicon(config.glob("lexicons/*.yaml"))
    rules = load_rules(rule_files, principles, platforms, lexicon)
    log.debug("loaded %d rules from %d files", len(rules), len(rule_files))
    return Coach(principles, platforms, rules)
