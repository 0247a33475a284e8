"""The rules layer as one object: principles, platforms and rules, loaded once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError, UnknownPlatformError
from bot.models import SEVERITY_RANK, Assessment, Critique, Finding, Rewrite, Severity
from bot.platforms import Platform, load_platforms
from bot.rules import Engine, Rule, load_rules
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
        self._engine = Engine(rules)
        #: The rules of each platform, in order.
        self._rules_for = {platform_id: [rule for rule in rules if rule.applies_to(platform)]
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
        rules = self._rules_for[target.id]
        if overrides.disabled:
            rules = [rule for rule in rules if rule.meta.id not in overrides.disabled]
        findings = self._engine.run(rules, doc, target, overrides.severity)
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
    rules = load_rules(rule_files, principles, platforms)
    log.debug("loaded %d rules from %d files", len(rules), len(rule_files))
    return Coach(principles, platforms, rules)
